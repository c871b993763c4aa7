"""search.py - Shopify's search syntax for the `query:` argument of connections.

shopify.dev/docs/api/usage/search-syntax: terms `field:value`, comparisons
`field:>v`, `field:>=v`, `field:<v`, `field:<=v`, quoted values, implicit AND,
explicit `AND` / `OR`, `NOT` or `-` prefix, parentheses, `*` suffix as prefix match.
A bare word matches the resource's default text (title, sku, name).

compile(query, fields) -> predicate(record); fields maps a search field name to a
function record -> value (str, int or ISO datetime string).  A filter on a field the
resource does not support is ignored and reported, as Shopify reports it, in the
answer's `extensions.search` warnings (*public docs*: search syntax page).
"""
import re
from datetime import datetime, timezone

_TOK = re.compile(r'\s*(\(|\)|[^\s()"]*"(?:\\.|[^"])*"|[^\s()]+)')  # field:"quoted value" stays one token


def _tokens(q):
    out, pos = [], 0
    while pos < len(q):
        m = _TOK.match(q, pos)
        if not m:
            break
        out.append(m.group(1))
        pos = m.end()
    return out


def parse_time(v):
    v = v.strip("'\"")
    try:
        if len(v) == 10:
            return datetime.strptime(v, "%Y-%m-%d").replace(tzinfo=timezone.utc)
        return datetime.fromisoformat(v.replace("Z", "+00:00")).astimezone(timezone.utc)
    except ValueError:
        return None


def _compare(actual, op, want):
    if actual is None:
        return False
    if isinstance(actual, str) and actual.endswith("Z") and len(actual) >= 20:
        a, w = parse_time(actual), parse_time(want)
        if a is None or w is None:
            return False
    elif isinstance(actual, (int, float)) and not isinstance(actual, bool):
        try:
            a, w = actual, float(want)
        except ValueError:
            return False
    else:
        a, w = str(actual).lower(), want.lower()
        if op == ":":
            return fnmatch_prefix(a, w)
    return {":": a == w, ":>": a > w, ":>=": a >= w, ":<": a < w, ":<=": a <= w}[op]


def fnmatch_prefix(a, w):
    return a.startswith(w[:-1]) if w.endswith("*") else a == w


class _P:
    def __init__(self, toks, fields, default, warnings):
        self.t, self.i, self.fields, self.default, self.warnings = toks, 0, fields, default, warnings

    def peek(self):
        return self.t[self.i] if self.i < len(self.t) else None

    def or_expr(self):
        alts = [self.and_expr()]
        while self.peek() == "OR":
            self.i += 1
            alts.append(self.and_expr())
        return (lambda r: any(p(r) for p in alts)) if len(alts) > 1 else alts[0]

    def and_expr(self):
        terms = []
        while self.peek() not in (None, ")", "OR"):
            if self.peek() == "AND":
                self.i += 1
                continue
            terms.append(self.term())
        return lambda r: all(p(r) for p in terms)

    def term(self):
        tok = self.peek()
        self.i += 1
        if tok == "(":
            p = self.or_expr()
            if self.peek() == ")":
                self.i += 1
            return p
        if tok == "NOT":
            inner = self.term()
            return lambda r: not inner(r)
        if tok.startswith("-") and len(tok) > 1:
            self.t[self.i - 1] = tok[1:]
            self.i -= 1
            inner = self.term()
            return lambda r: not inner(r)
        m = re.match(r"^([A-Za-z_][A-Za-z0-9_.]*)(:>=|:<=|:>|:<|:)(.*)$", tok)
        if not m:
            word = tok.strip('"').lower()
            return lambda r: any(word in (str(f(r) or "")).lower() for f in self.default)
        name, op, value = m.groups()
        if value.startswith('"') and value.endswith('"') and len(value) >= 2:
            value = value[1:-1].replace('\\"', '"')
        elif value.startswith("'") and value.endswith("'") and len(value) >= 2:
            value = value[1:-1]
        getter = self.fields.get(name)
        if getter is None:
            self.warnings.append({"field": name, "message": "Invalid search field for this query."})
            return lambda r: True  # Shopify ignores an unknown filter (with a search warning)
        return lambda r: _any(getter(r), op, value)


def _any(actual, op, value):
    if isinstance(actual, (list, tuple, set)):
        return any(_compare(a, op, value) for a in actual)
    return _compare(actual, op, value)


def compile_query(query, fields, default=()):
    """Returns (predicate, warnings)."""
    warnings = []
    if not query or not query.strip():
        return (lambda r: True), warnings
    p = _P(_tokens(query), fields, default, warnings)
    pred = p.or_expr()
    return pred, warnings
