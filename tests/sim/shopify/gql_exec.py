"""gql_exec.py - validate, cost and execute a parsed GraphQL request against schema.py.

prepare() does everything that happens before Shopify charges the bucket: parse, pick the
operation, check variables, check every selected field against the schema, coerce the
mutation arguments, and compute the requested cost (shopify.md §2: scalar/enum 0,
object 1, connection 2 + `first`/`last` x the cost of one node, mutation field 10,
`productSet` 10 + 0.2/variant from 2025-10).  A request that fails here changes nothing.
execute() then runs the root fields through the resolvers in ops_*.py and sums the
actual cost (connections counted by the nodes really returned).

Error shapes follow graphql-ruby, which the Admin API runs on: {message, locations,
path, extensions:{code,...}} (e.g. "Field 'x' doesn't exist on type 'Y'", code
undefinedField).  The exact message texts are the simulator's where the docs are silent.
"""
import base64
import json
import math

from . import schema
from .gql_parse import Enum, GraphQLSyntaxError, Var, Field, Spread, Inline, parse

MUTATION_COST = 10
MAX_QUERY_COST = 1000
MAX_PAGE = 250
MAX_INPUT_ARRAY = 250


class GQLError(Exception):
    def __init__(self, message, node=None, path=None, code=None, **ext):
        super().__init__(message)
        self.body = {"message": message}
        if isinstance(node, tuple):
            self.body["locations"] = [{"line": node[0], "column": node[1]}]
        elif node is not None:
            self.body["locations"] = [{"line": node.line, "column": node.col}]
        if path is not None:
            self.body["path"] = list(path)
        if code or ext:
            self.body["extensions"] = dict({"code": code} if code else {}, **ext)


class InputError(Exception):
    """Coercion failure inside an argument value: path inside the value, explanation."""

    def __init__(self, path, explanation, code=None):
        super().__init__(explanation)
        self.path, self.explanation, self.code = path, explanation, code


# --------------------------------------------------------------------- connections at run time

def encode_cursor(key):
    return base64.urlsafe_b64encode(json.dumps(key, separators=(",", ":")).encode()).decode()


def decode_cursor(cursor):
    try:
        return json.loads(base64.urlsafe_b64decode(cursor.encode() + b"=" * (-len(cursor) % 4)))
    except (ValueError, TypeError, AttributeError):
        return None


class Conn:
    """A page of a connection: items are (sort_key, obj) in ascending key order."""

    def __init__(self, items, args):
        items = [(list(k), o) for k, o in items]  # keys compare like the JSON cursors they become
        if args.get("reverse"):
            items.reverse()
        rev = bool(args.get("reverse"))

        def after(k, c):
            try:
                return (k < c) if rev else (k > c)
            except TypeError:  # a cursor made for another sort key
                raise GQLError("Invalid cursor for current pagination sort.", code="BAD_REQUEST")

        lo, hi = 0, len(items)
        if args.get("after") is not None:
            c = decode_cursor(args["after"])
            if not isinstance(c, list):
                raise GQLError("Invalid cursor for current pagination sort.", code="BAD_REQUEST")
            while lo < hi and not after(items[lo][0], c):
                lo += 1
        if args.get("before") is not None:
            c = decode_cursor(args["before"])
            if not isinstance(c, list):
                raise GQLError("Invalid cursor for current pagination sort.", code="BAD_REQUEST")
            while hi > lo and not after(c, items[hi - 1][0]):
                hi -= 1
        if args.get("first") is not None:
            hi = min(hi, lo + args["first"])
        elif args.get("last") is not None:
            lo = max(lo, hi - args["last"])
        self.page = items[lo:hi]
        self.has_prev = lo > 0
        self.has_next = hi < len(items)

    def field(self, name, args):
        if name == "nodes":
            return [o for _, o in self.page]
        if name == "edges":
            return [{"cursor": encode_cursor(k), "node": o} for k, o in self.page]
        if name == "pageInfo":
            return {"hasNextPage": self.has_next, "hasPreviousPage": self.has_prev,
                    "startCursor": encode_cursor(self.page[0][0]) if self.page else None,
                    "endCursor": encode_cursor(self.page[-1][0]) if self.page else None}
        return None


# --------------------------------------------------------------------- values

def substitute(value, variables):
    """Replace Var nodes by the request's variable values."""
    if isinstance(value, Var):
        return variables.get(value.name)
    if isinstance(value, list):
        return [substitute(v, variables) for v in value]
    if isinstance(value, dict):
        return {k: substitute(v, variables) for k, v in value.items()}
    if isinstance(value, Enum):
        return str(value)
    return value


def vars_used(value, out):
    if isinstance(value, Var):
        out.add(value.name)
    elif isinstance(value, list):
        for v in value:
            vars_used(v, out)
    elif isinstance(value, dict):
        for v in value.values():
            vars_used(v, out)
    return out


def is_decimal_string(v):
    if not isinstance(v, str) or not v or len(v) > 40:
        return False
    s = v[1:] if v[0] in "+-" else v
    whole, _, frac = s.partition(".")
    return whole.isdigit() and (frac == "" or frac.isdigit()) and (_ == "" or frac != "")


def coerce(value, typ, inputs, path=()):
    """GraphQL input coercion of a plain JSON value to `typ` ("[X!]!" etc.)."""
    if typ.endswith("!"):
        if value is None:
            raise InputError(list(path), "Expected value to not be null")
        return coerce(value, typ[:-1], inputs, path)
    if value is None:
        return None
    if typ.startswith("["):
        inner = typ[1:-1]
        if not isinstance(value, list):
            value = [value]  # GraphQL list coercion of a single item
        if len(value) > MAX_INPUT_ARRAY:
            raise InputError(list(path), f"The input array size of {len(value)} is greater than the maximum "
                                         f"allowed of {MAX_INPUT_ARRAY}.", "MAX_INPUT_SIZE_EXCEEDED")
        return [coerce(v, inner, inputs, path + (i,)) for i, v in enumerate(value)]
    if typ in inputs:
        if not isinstance(value, dict):
            raise InputError(list(path), f"Expected {json.dumps(value)} to be a key-value object.")
        fields = inputs[typ]
        for k in value:
            if k not in fields:
                raise InputError(list(path) + [k], f"Field is not defined on {typ}")
        out = {}
        for k, ft in fields.items():
            if ft is None:
                continue
            if k in value:
                out[k] = coerce(value[k], ft, inputs, path + (k,))
            elif ft.endswith("!"):
                raise InputError(list(path) + [k], "Expected value to not be null")
        return out
    bad = InputError(list(path), f"Could not coerce value {json.dumps(value)} to {typ}")
    if typ == "Int":
        if isinstance(value, bool) or not isinstance(value, int) or not -2**31 <= value < 2**31:
            raise bad
    elif typ == "Float":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise bad
    elif typ == "Boolean":
        if not isinstance(value, bool):
            raise bad
    elif typ == "ID":
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            raise bad
        return str(value)
    elif typ in ("Money", "Decimal"):
        # Money/Decimal are decimal strings (shopify.md §1); a JSON number is refused here.
        if not is_decimal_string(value):
            raise bad
    elif typ in schema.ENUMS:
        if value not in schema.ENUMS[typ]:
            raise bad
    elif typ == "JSON":
        pass
    else:  # String, URL, HTML and unlisted enums/scalars given as strings
        if not isinstance(value, str):
            raise bad
    return value


# --------------------------------------------------------------------- the prepared request

class Prepared:
    def __init__(self, kind, op_name, roots, requested):
        self.kind = kind              # "query" | "mutation"
        self.op_name = op_name
        self.roots = roots            # [(Field, merged selections, coerced args, directives)]
        self.requested = requested
        self.root_names = [f.name for f, _, _, _ in roots]


class Request:
    def __init__(self, body, version):
        self.version = version
        self.inputs = schema.inputs_for(version)
        self.body = body

    # ---- selection helpers
    def collect(self, type_name, selections, out=None, seen=None):
        out = {} if out is None else out
        seen = set() if seen is None else seen
        for s in selections or []:
            if not self.included(s.directives):
                continue
            if isinstance(s, Field):
                out.setdefault(s.key, []).append(s)
            elif isinstance(s, Spread):
                frag = self.doc.fragments.get(s.name)
                if frag is None:
                    raise GQLError(f"Fragment {s.name} was used, but not defined", s, code="useAndDefineFragment",
                                   fragmentName=s.name)
                if s.name in seen:
                    raise GQLError(f"Fragment {s.name} contains an infinite loop", s, code="infiniteLoop")
                if self.type_matches(frag.type_cond, type_name):
                    self.collect(type_name, frag.selections, out, seen | {s.name})
            elif isinstance(s, Inline):
                if s.type_cond is None or self.type_matches(s.type_cond, type_name):
                    self.collect(type_name, s.selections, out, seen)
        return out

    @staticmethod
    def type_matches(cond, type_name):
        base = type_name.strip("[]!")
        if base == "Media" and cond == "MediaImage":
            return True
        return cond in (base, "Node", "HasMetafields", "Media", "Publishable", "Navigable", "File",
                        "LegacyInteroperability", "DisplayableError")

    def included(self, directives):
        for name, args, _, _ in directives:
            cond = substitute(args.get("if"), self.variables)
            if name == "skip" and cond is True:
                return False
            if name == "include" and cond is False:
                return False
        return True

    @staticmethod
    def merged(flist):
        sels = [s for f in flist if f.selections for s in f.selections]
        return sels if any(f.selections is not None for f in flist) else None

    # ---- static walk: validation + requested cost
    def walk(self, type_name, selections, path):
        cost = 0
        for key, flist in self.collect(type_name, selections).items():
            f = flist[0]
            sels = self.merged(flist)
            if f.name == "__typename":
                continue
            ft = schema.field_type(type_name, f.name)
            if ft is None:
                raise GQLError(f"Field '{f.name}' doesn't exist on type '{type_name}'", f, path + [f.name],
                               code="undefinedField", typeName=type_name, fieldName=f.name)
            cost += self.field_cost(ft, f, sels, path + [key])
        return cost

    def field_cost(self, ft, f, sels, path):
        base = ft.strip("[]!")
        if not schema.is_object(base):
            if sels is not None:
                raise GQLError(f"Selections can't be made on scalars (field '{f.name}' returns {base} but has "
                               f"selections [{', '.join(s.name for s in sels if isinstance(s, Field))}])",
                               f, path, code="selectionMismatch", nodeName=f"field '{f.name}'", typeName=base)
            return 0
        if sels is None:
            raise GQLError(f"Field must have selections (field '{f.name}' returns {base} but has no selections. "
                           f"Did you mean '{f.name} {{ ... }}'?)", f, path, code="selectionMismatch",
                           nodeName=f"field '{f.name}'", typeName=base)
        if base.endswith("Connection"):
            args = {k: substitute(v, self.variables) for k, v in f.args.items()}
            n = args.get("first") if args.get("first") is not None else args.get("last")
            if n is None:
                raise GQLError("you must provide one of first or last", f, path)
            if not isinstance(n, int) or isinstance(n, bool) or n < 0 or n > MAX_PAGE:
                raise GQLError(f"The 'first'/'last' argument of '{f.name}' must be between 0 and {MAX_PAGE}, "
                               f"got {n!r}", f, path, code="argumentLiteralsIncompatible")
            per_node = self.walk_connection(base, sels, path)
            return 2 + n * per_node
        return 1 + self.walk(base, sels, path)

    def walk_connection(self, conn_type, selections, path):
        node = conn_type[:-len("Connection")]
        per_node = 0
        for key, flist in self.collect(conn_type, selections).items():
            f, sels = flist[0], self.merged(flist)
            if f.name == "__typename":
                continue
            ft = schema.field_type(conn_type, f.name)
            if ft is None:
                raise GQLError(f"Field '{f.name}' doesn't exist on type '{conn_type}'", f, path + [key],
                               code="undefinedField", typeName=conn_type, fieldName=f.name)
            if sels is None:
                raise GQLError(f"Field must have selections (field '{f.name}' returns {ft.strip('[]')} but has "
                               f"no selections. Did you mean '{f.name} {{ ... }}'?)", f, path + [key],
                               code="selectionMismatch")
            if f.name == "nodes":
                per_node = max(per_node, 1 + self.walk(node, sels, path + [key]))
            elif f.name == "pageInfo":
                self.walk("PageInfo", sels, path + [key])  # free
            elif f.name == "edges":
                for k2, fl2 in self.collect(node + "Edge", sels).items():
                    f2, s2 = fl2[0], self.merged(fl2)
                    if f2.name == "node":
                        if s2 is None:
                            raise GQLError("Field must have selections (field 'node' returns "
                                           f"{node} but has no selections. Did you mean 'node {{ ... }}'?)",
                                           f2, path + [key, k2], code="selectionMismatch")
                        per_node = max(per_node, 1 + self.walk(node, s2, path + [key, k2]))
                    elif f2.name not in ("cursor", "__typename"):
                        raise GQLError(f"Field '{f2.name}' doesn't exist on type '{node}Edge'", f2,
                                       path + [key, k2], code="undefinedField", typeName=node + "Edge",
                                       fieldName=f2.name)
                    elif s2 is not None:
                        raise GQLError("Selections can't be made on scalars", f2, path + [key, k2],
                                       code="selectionMismatch")
        return per_node

    # ---- prepare
    def prepare(self):
        b = self.body
        if not isinstance(b, dict) or not isinstance(b.get("query"), str):
            raise GQLError("No query string was present")
        variables = b.get("variables")
        if variables is None:
            variables = {}
        if isinstance(variables, str):  # some clients send variables as a JSON string
            try:
                variables = json.loads(variables) if variables.strip() else {}
            except ValueError:
                raise GQLError("Variables are invalid JSON.")
        if not isinstance(variables, dict):
            raise GQLError("Variables must be an object.")
        try:
            self.doc = parse(b["query"])
        except GraphQLSyntaxError as e:
            raise GQLError(e.message, (e.line, e.column))
        op = self.pick_operation(b.get("operationName"))
        if op.kind == "subscription":
            raise GQLError("Subscriptions are not supported by the Admin API over HTTP", op)
        self.variables = self.check_variables(op, variables)
        root_type = "QueryRoot" if op.kind == "query" else "Mutation"
        table = schema.QUERY_ROOT if op.kind == "query" else schema.MUTATION_ROOT
        op_label = f"{op.kind} {op.name}" if op.name else op.kind
        roots, cost = [], 0
        for key, flist in self.collect(root_type, op.selections).items():
            f, sels = flist[0], self.merged(flist)
            if f.name == "__typename":
                roots.append((f, None, {}, f.directives))
                continue
            if f.name not in table:
                raise GQLError(f"Field '{f.name}' doesn't exist on type '{root_type}'", f, [op_label, f.name],
                               code="undefinedField", typeName=root_type, fieldName=f.name)
            path = [op_label, key]
            if op.kind == "query":
                typ, accepted, required = table[f.name]
                for a in f.args:
                    if a not in accepted:
                        raise GQLError(f"Field '{f.name}' doesn't accept argument '{a}'", f, path + [a],
                                       code="argumentNotAccepted", name=f.name, typeName="Field", argumentName=a)
                missing = sorted(required - set(f.args))
                if missing:
                    raise GQLError(f"Field '{f.name}' is missing required arguments: {', '.join(missing)}", f, path,
                                   code="missingRequiredArguments", className="Field", name=f.name,
                                   arguments=", ".join(missing))
                args = {k: substitute(v, self.variables) for k, v in f.args.items()}
                cost += self.field_cost(typ, f, sels, path)
            else:
                typ, arg_types = table[f.name]
                args = self.coerce_args(f, arg_types, op, path)
                if sels is None:
                    raise GQLError(f"Field must have selections (field '{f.name}' returns {typ} but has no "
                                   f"selections. Did you mean '{f.name} {{ ... }}'?)", f, path,
                                   code="selectionMismatch")
                self.walk(typ, sels, path)  # validate the payload selection; mutations cost a flat price
                cost += MUTATION_COST
                if f.name == "productSet" and self.version >= "2025-10":
                    cost += math.ceil(0.2 * len(args.get("input", {}).get("variants") or []))
            roots.append((f, sels, args, f.directives))
        return Prepared(op.kind, op.name, roots, cost)

    def pick_operation(self, name):
        ops = self.doc.operations
        if name:
            for o in ops:
                if o.name == name:
                    return o
            raise GQLError(f"No operation named \"{name}\"")
        if len(ops) > 1:
            raise GQLError("An operation name is required")
        return ops[0]

    def check_variables(self, op, provided):
        declared = {d.name: d for d in op.var_defs}
        used = set()
        stack = list(op.selections)
        for d in op.directives:
            vars_used(d[1], used)
        seen_frags = set()
        while stack:
            s = stack.pop()
            for d in s.directives:
                vars_used(d[1], used)
            if isinstance(s, Field):
                vars_used(s.args, used)
                stack.extend(s.selections or [])
            elif isinstance(s, Inline):
                stack.extend(s.selections)
            elif isinstance(s, Spread) and s.name not in seen_frags and s.name in self.doc.fragments:
                seen_frags.add(s.name)
                stack.extend(self.doc.fragments[s.name].selections)
        for u in sorted(used):
            if u not in declared:
                raise GQLError(f"Variable ${u} is used by {op.name or 'anonymous ' + op.kind} but not declared", op,
                               code="variableNotDefined", variableName=u)
        for n in declared:
            if n not in used:
                raise GQLError(f"Variable ${n} is declared by {op.name or 'anonymous ' + op.kind} but not used", op,
                               code="variableNotUsed", variableName=n)
        out = {}
        for n, d in declared.items():
            if n in provided:
                v = provided[n]
            elif d.has_default:
                v = substitute(d.default, {})
            else:
                v = None
            if v is None and d.type.endswith("!"):
                raise GQLError(f"Variable ${n} of type {d.type} was provided invalid value", op,
                               value=None, problems=[{"path": [], "explanation": "Expected value to not be null"}])
            out[n] = v
        self.var_types = {n: d.type for n, d in declared.items()}
        self.var_defaults = {n: d.has_default and d.default is not None for n, d in declared.items()}
        return out

    def coerce_args(self, f, arg_types, op, path):
        for a in f.args:
            if a not in arg_types:
                raise GQLError(f"Field '{f.name}' doesn't accept argument '{a}'", f, path + [a],
                               code="argumentNotAccepted", name=f.name, typeName="Field", argumentName=a)
        missing = sorted(a for a, t in arg_types.items() if t.endswith("!") and a not in f.args)
        if missing:
            raise GQLError(f"Field '{f.name}' is missing required arguments: {', '.join(missing)}", f, path,
                           code="missingRequiredArguments", className="Field", name=f.name,
                           arguments=", ".join(missing))
        out = {}
        for a, lit in f.args.items():
            t = arg_types[a]
            if isinstance(lit, Var):
                vt = self.var_types[lit.name]
                what = None
                if vt.strip("[]!") != t.strip("[]!") or vt.count("[") != t.count("["):
                    what = "Type mismatch"
                elif t.endswith("!") and not vt.endswith("!") and not self.var_defaults.get(lit.name):
                    what = "Nullability mismatch"
                if what:
                    raise GQLError(f"{what} on variable ${lit.name} and argument {a} ({vt} / {t})", f,
                                   path + [a], code="variableMismatch", variableName=lit.name, typeName=vt,
                                   argumentName=a, errorMessage=what)
            value = substitute(lit, self.variables)
            try:
                out[a] = coerce(value, t, self.inputs)
            except InputError as e:
                where = ".".join(str(p) for p in e.path)
                if e.code == "MAX_INPUT_SIZE_EXCEEDED":  # shopify.md §1: input arrays <= 250 items
                    raise GQLError(e.explanation, f, [f.name, a] + e.path, code=e.code)
                if isinstance(lit, Var):
                    raise GQLError(f"Variable ${lit.name} of type {self.var_types[lit.name]} was provided invalid "
                                   f"value" + (f" for {where}" if where else "") + f" ({e.explanation})", op,
                                   value=value, problems=[{"path": e.path, "explanation": e.explanation}])
                raise GQLError(f"Argument '{a}' on Field '{f.name}' has an invalid value ({json.dumps(value)}). "
                               f"Expected type '{t}'." + (f" At {where}: {e.explanation}" if where else ""),
                               f, path + [a], code="argumentLiteralsIncompatible", typeName="Field",
                               argumentName=a)
        return out

    # --------------------------------------------------------------------- execution
    def execute(self, prepared, resolve_root, label):
        """Run the root fields; resolve_root(kind, name, args, directives) -> value.
        Returns (data, errors, actual_cost)."""
        data, errors, cost = {}, [], 0
        for f, sels, args, dirs in prepared.roots:
            if f.name == "__typename":
                data[f.key] = "QueryRoot" if prepared.kind == "query" else "Mutation"
                continue
            path = [f.key]
            try:
                value = resolve_root(prepared.kind, f.name, args, dirs)
            except GQLError as e:
                e.body.setdefault("locations", [{"line": f.line, "column": f.col}])
                e.body.setdefault("path", path)
                errors.append(e.body)
                data[f.key] = None
                continue
            if prepared.kind == "mutation":
                typ = schema.MUTATION_ROOT[f.name][0]
                data[f.key], _ = self.complete(typ, f, sels, value, path, errors)
            else:
                typ = schema.QUERY_ROOT[f.name][0]
                try:
                    data[f.key], c = self.complete(typ, f, sels, value, path, errors)
                except GQLError as e:
                    e.body.setdefault("locations", [{"line": f.line, "column": f.col}])
                    e.body.setdefault("path", path)
                    errors.append(e.body)
                    data[f.key], c = None, 0
                cost += c
        if prepared.kind == "mutation":
            cost = prepared.requested
        return data, errors, cost

    def complete(self, typ, f, sels, value, path, errors):
        """Value of field f (already resolved) shaped by its selections; returns (json, cost)."""
        base = typ.strip("[]!")
        if value is None:
            return None, (1 if schema.is_object(base) else 0)
        if typ.startswith("["):
            out, cost = [], 0
            for i, v in enumerate(value):
                j, c = self.complete(typ[1:-1], f, sels, v, path + [i], errors)
                out.append(j)
                cost = max(cost, c)
            return out, cost
        if not schema.is_object(base):
            return value, 0
        if base.endswith("Connection"):
            if not isinstance(value, Conn):
                value = Conn(value, {k: substitute(v, self.variables) for k, v in f.args.items()})
            out, n_nodes, per = {}, len(value.page), 0
            for key, flist in self.collect(base, sels).items():
                cf, csels = flist[0], self.merged(flist)
                if cf.name == "__typename":
                    out[key] = base
                    continue
                v = value.field(cf.name, {})
                if cf.name == "nodes":
                    out[key], costs = [], []
                    for i, o in enumerate(v):
                        j, c = self.complete(base[:-len("Connection")], cf, csels, o, path + [key, i], errors)
                        out[key].append(j)
                        costs.append(c)
                    per = max(per, sum(costs))
                elif cf.name == "edges":
                    out[key], total = [], 0
                    for i, e in enumerate(v):
                        j, c = self.complete(base[:-len("Connection")] + "Edge", cf, csels, e, path + [key, i],
                                             errors)
                        out[key].append(j)
                        total += c
                    per = max(per, total)
                else:
                    out[key], _ = self.complete(schema.field_type(base, cf.name), cf, csels, v, path + [key], errors)
            return out, 2 + per if n_nodes else 2
        out, cost = {}, 1
        if base.endswith("Edge"):
            cost = 0
        for key, flist in self.collect(base, sels).items():
            cf, csels = flist[0], self.merged(flist)
            if cf.name == "__typename":
                out[key] = base
                continue
            args = {k: substitute(v, self.variables) for k, v in cf.args.items()}
            try:
                if isinstance(value, dict):
                    v = value.get(cf.name)
                    if callable(v):
                        v = v(args)
                else:
                    v = value.field(cf.name, args)
                ftype = schema.field_type(base, cf.name)
                if ftype and ftype.strip("[]!").endswith("Connection") and not isinstance(v, Conn) and v is not None:
                    v = Conn(v, args)
            except GQLError as e:
                e.body.setdefault("locations", [{"line": cf.line, "column": cf.col}])
                e.body.setdefault("path", path + [key])
                errors.append(e.body)
                out[key] = None
                continue
            out[key], c = self.complete(ftype, cf, csels, v, path + [key], errors)
            cost += c
        return out, cost
