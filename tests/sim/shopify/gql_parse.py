"""gql_parse.py - a small parser for GraphQL executable documents (queries/mutations).

Covers what a client sends (GraphQL spec, October 2021, "Executable Definitions"):
operations (named or anonymous, shorthand `{...}`), variable definitions with defaults,
directives (`@idempotent(key: "...")`, `@include`, `@skip`), fields with aliases and
arguments, fragment spreads, inline fragments, fragment definitions, and every value
literal (variables, int, float, string and block string, boolean, null, enum, list,
object).  Type system definitions are refused.  Errors raise GraphQLSyntaxError with
a line and column, which the executor turns into Shopify's top-level error shape.
"""
import re


class GraphQLSyntaxError(Exception):
    def __init__(self, message, line=1, column=1):
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column


_TOKEN = re.compile(r"""
    (?P<ws>[\s,\ufeff]+|\#[^\n\r]*)
  | (?P<block>\"\"\"(?:\\\"\"\"|[^"]|"(?!""))*\"\"\")
  | (?P<string>"(?:\\.|[^"\\\n\r])*")
  | (?P<float>-?(?:0|[1-9][0-9]*)(?:\.[0-9]+(?:[eE][+-]?[0-9]+)?|[eE][+-]?[0-9]+))
  | (?P<int>-?(?:0|[1-9][0-9]*))
  | (?P<name>[_A-Za-z][_0-9A-Za-z]*)
  | (?P<spread>\.\.\.)
  | (?P<punct>[!$&()\:=@\[\]{|}])
""", re.VERBOSE)


class Tok:
    __slots__ = ("kind", "value", "line", "col")

    def __init__(self, kind, value, line, col):
        self.kind, self.value, self.line, self.col = kind, value, line, col


def tokenize(src):
    toks, pos, line, line_start = [], 0, 1, 0
    while pos < len(src):
        m = _TOKEN.match(src, pos)
        if not m:
            raise GraphQLSyntaxError(f"Parse error on \"{src[pos]}\" ({src[pos]!r})", line, pos - line_start + 1)
        kind, text = m.lastgroup, m.group()
        if kind != "ws":
            toks.append(Tok(kind, text, line, pos - line_start + 1))
        nl = text.count("\n")
        if nl:
            line += nl
            line_start = pos + text.rindex("\n") + 1
        pos = m.end()
    toks.append(Tok("eof", "", line, pos - line_start + 1))
    return toks


def _unescape(s):
    out, i = [], 0
    while i < len(s):
        c = s[i]
        if c == "\\" and i + 1 < len(s):
            n = s[i + 1]
            if n == "u":
                out.append(chr(int(s[i + 2:i + 6], 16)))
                i += 6
                continue
            out.append({"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f"}.get(n, n))
            i += 2
            continue
        out.append(c)
        i += 1
    return "".join(out)


def _block(s):
    lines = s.replace('\\"""', '"""').splitlines()
    indent = min((len(l) - len(l.lstrip(" \t")) for l in lines[1:] if l.strip()), default=0)
    lines = [lines[0]] + [l[indent:] for l in lines[1:]] if lines else []
    while lines and not lines[0].strip():
        lines.pop(0)
    while lines and not lines[-1].strip():
        lines.pop()
    return "\n".join(lines)


# --------------------------------------------------------------------- AST (plain classes)

class Var:
    __slots__ = ("name",)

    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return f"${self.name}"


class Enum(str):
    """An enum literal (ORDERS_CREATE, UPDATED_AT): a str the executor can tell from a string."""


class Field:
    __slots__ = ("alias", "name", "args", "directives", "selections", "line", "col")

    def __init__(self, alias, name, args, directives, selections, line, col):
        self.alias, self.name, self.args = alias, name, args
        self.directives, self.selections, self.line, self.col = directives, selections, line, col

    @property
    def key(self):
        return self.alias or self.name


class Spread:
    __slots__ = ("name", "directives", "line", "col")

    def __init__(self, name, directives, line, col):
        self.name, self.directives, self.line, self.col = name, directives, line, col


class Inline:
    __slots__ = ("type_cond", "directives", "selections", "line", "col")

    def __init__(self, type_cond, directives, selections, line, col):
        self.type_cond, self.directives, self.selections = type_cond, directives, selections
        self.line, self.col = line, col


class Operation:
    __slots__ = ("kind", "name", "var_defs", "directives", "selections", "line", "col")

    def __init__(self, kind, name, var_defs, directives, selections, line, col):
        self.kind, self.name, self.var_defs = kind, name, var_defs
        self.directives, self.selections, self.line, self.col = directives, selections, line, col


class Fragment:
    __slots__ = ("name", "type_cond", "directives", "selections")

    def __init__(self, name, type_cond, directives, selections):
        self.name, self.type_cond, self.directives, self.selections = name, type_cond, directives, selections


class VarDef:
    __slots__ = ("name", "type", "default", "has_default")

    def __init__(self, name, typ, default, has_default):
        self.name, self.type, self.default, self.has_default = name, typ, default, has_default


class Document:
    def __init__(self, operations, fragments):
        self.operations = operations
        self.fragments = fragments


# --------------------------------------------------------------------- parser

class Parser:
    def __init__(self, src):
        self.toks = tokenize(src)
        self.i = 0

    @property
    def t(self):
        return self.toks[self.i]

    def fail(self, msg=None, tok=None):
        tok = tok or self.t
        shown = tok.value if tok.kind != "eof" else "end of file"
        raise GraphQLSyntaxError(msg or f"Parse error on \"{shown}\" ({tok.kind.upper()}) at [{tok.line}, {tok.col}]",
                                 tok.line, tok.col)

    def peek(self, value, kind=None):
        t = self.t
        return t.value == value and (kind is None or t.kind == kind) and t.kind not in ("string", "block")

    def expect(self, value):
        if not self.peek(value):
            self.fail()
        self.i += 1

    def name(self):
        t = self.t
        if t.kind != "name":
            self.fail()
        self.i += 1
        return t.value

    def document(self):
        ops, frags = [], {}
        while self.t.kind != "eof":
            t = self.t
            if t.kind == "punct" and t.value == "{":
                ops.append(Operation("query", None, [], [], self.selection_set(), t.line, t.col))
            elif t.kind == "name" and t.value in ("query", "mutation", "subscription"):
                ops.append(self.operation())
            elif t.kind == "name" and t.value == "fragment":
                f = self.fragment()
                if f.name in frags:
                    raise GraphQLSyntaxError(f"Fragment name \"{f.name}\" must be unique", t.line, t.col)
                frags[f.name] = f
            else:
                self.fail()
        if not ops:
            raise GraphQLSyntaxError("No operations in the document", 1, 1)
        return Document(ops, frags)

    def operation(self):
        t = self.t
        kind = self.name()
        name = self.name() if self.t.kind == "name" else None
        var_defs = self.var_defs() if self.peek("(") else []
        return Operation(kind, name, var_defs, self.directives(), self.selection_set(), t.line, t.col)

    def fragment(self):
        self.name()  # "fragment"
        name = self.name()
        if name == "on":
            self.fail()
        if self.name() != "on":
            self.fail()
        return Fragment(name, self.name(), self.directives(), self.selection_set())

    def var_defs(self):
        self.expect("(")
        defs = []
        while not self.peek(")"):
            self.expect("$")
            name = self.name()
            self.expect(":")
            typ = self.type_ref()
            has_default, default = False, None
            if self.peek("="):
                self.i += 1
                default, has_default = self.value(const=True), True
            self.directives()
            defs.append(VarDef(name, typ, default, has_default))
        self.i += 1
        return defs

    def type_ref(self):
        if self.peek("["):
            self.i += 1
            inner = self.type_ref()
            self.expect("]")
            typ = f"[{inner}]"
        else:
            typ = self.name()
        if self.peek("!"):
            self.i += 1
            typ += "!"
        return typ

    def directives(self):
        out = []
        while self.peek("@"):
            self.i += 1
            t = self.t
            name = self.name()
            out.append((name, self.arguments() if self.peek("(") else {}, t.line, t.col))
        return out

    def selection_set(self):
        self.expect("{")
        sels = []
        while not self.peek("}"):
            if self.t.kind == "eof":
                self.fail()
            sels.append(self.selection())
        self.i += 1
        if not sels:
            self.fail("Selection set must not be empty", self.toks[self.i - 1])
        return sels

    def selection(self):
        t = self.t
        if t.kind == "spread":
            self.i += 1
            if self.t.kind == "name" and self.t.value != "on":
                return Spread(self.name(), self.directives(), t.line, t.col)
            cond = None
            if self.t.kind == "name" and self.t.value == "on":
                self.i += 1
                cond = self.name()
            return Inline(cond, self.directives(), self.selection_set(), t.line, t.col)
        alias, name = None, self.name()
        if self.peek(":"):
            self.i += 1
            alias, name = name, self.name()
        args = self.arguments() if self.peek("(") else {}
        dirs = self.directives()
        sels = self.selection_set() if self.peek("{") else None
        return Field(alias, name, args, dirs, sels, t.line, t.col)

    def arguments(self):
        self.expect("(")
        args = {}
        while not self.peek(")"):
            n = self.name()
            self.expect(":")
            args[n] = self.value()
        self.i += 1
        return args

    def value(self, const=False):
        t = self.t
        if t.kind == "punct" and t.value == "$" and not const:
            self.i += 1
            return Var(self.name())
        if t.kind == "int":
            self.i += 1
            return int(t.value)
        if t.kind == "float":
            self.i += 1
            return float(t.value)
        if t.kind == "string":
            self.i += 1
            return _unescape(t.value[1:-1])
        if t.kind == "block":
            self.i += 1
            return _block(t.value[3:-3])
        if t.kind == "name":
            self.i += 1
            if t.value in ("true", "false", "null"):
                return {"true": True, "false": False, "null": None}[t.value]
            return Enum(t.value)
        if self.peek("["):
            self.i += 1
            out = []
            while not self.peek("]"):
                if self.t.kind == "eof":
                    self.fail()
                out.append(self.value(const))
            self.i += 1
            return out
        if self.peek("{"):
            self.i += 1
            out = {}
            while not self.peek("}"):
                n = self.name()
                self.expect(":")
                out[n] = self.value(const)
            self.i += 1
            return out
        self.fail()


def parse(src):
    if not isinstance(src, str) or not src.strip():
        raise GraphQLSyntaxError("No query string was present", 1, 1)
    return Parser(src).document()
