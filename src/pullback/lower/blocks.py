"""assert, with, try and match -> `if` statements of the core language, marked with what
they were (`block="with"` / `block="try"`), and a loop's else clause -> an `if` after
it; the first lowering.

Guarantees: see `Blocks`. After it no `assert`, `with`, `try` or `match` statement, and
no loop with an else clause, is left; what a try may not do, and a pattern pullback
cannot follow, is refused here, located at the user's line.

>>> from pullback.ir.naming import Namer, all_names
>>> from pullback.lower.example import parsed, show
>>> def f(x):
...     assert x > 0, "positive"
...     try:
...         y = np.log(x)
...     except FloatingPointError:
...         y = x
...     return y
>>> tree = parsed(f).tree
>>> tree.body = Blocks(Namer(all_names(tree)), parsed(f).location, tree).block(tree.body)
>>> show(tree, as_written=False)
def f(x):
    if not x > 0:
        raise AssertionError('positive')
    if completed:
        y = np.log(x)
    else:
        y = x
    return y
>>> tree.body[1].block, tree.body[1].catch.id
('try', 'FloatingPointError')
"""

from __future__ import annotations

import sys

import gast

from ..ir.annotations import BLOCK, CATCH, CAUGHT, ENTERED
from ..ir.nodes import (
    assign,
    call,
    clone,
    const,
    dotted_name,
    if_,
    load,
    not_,
    skeleton,
    stored_in_order,
    tuple_of,
    walk,
)
from .common import always_exits, at_line, captured, load_counts, located_error
from .unbound import first_use


def _flag_set(stmt, value):
    """F when `stmt` is `F = value` (True or False), else None."""
    if isinstance(stmt, gast.Assign) and len(stmt.targets) == 1 \
            and isinstance(stmt.targets[0], gast.Name) \
            and isinstance(stmt.value, gast.Constant) and stmt.value.value is value:
        return stmt.targets[0].id
    return None


def _outside_functions(stmt):
    """The nodes of `stmt`, not those of functions or lambdas defined in it."""
    stack = [stmt]
    while stack:
        node = stack.pop()
        yield node
        if node is not stmt and isinstance(node, (gast.FunctionDef, gast.Lambda)):
            continue
        stack.extend(gast.iter_child_nodes(node))


def _own_statement_lists(body):
    """`body` and the statement lists nested in it that a `break` in them would leave the
    loop whose body it is through: those of ifs, with, try and match blocks, not of
    nested loops' bodies (a loop's else clause is outside that loop) or functions."""
    lists = [body]
    for stmt in body:
        if isinstance(stmt, (gast.For, gast.While)):
            lists.extend(_own_statement_lists(stmt.orelse))
        elif isinstance(stmt, gast.Match):
            for case in stmt.cases:
                lists.extend(_own_statement_lists(case.body))
        elif isinstance(stmt, (gast.If, gast.With, gast.Try)):
            for part in ("body", "orelse", "finalbody"):
                lists.extend(_own_statement_lists(getattr(stmt, part, [])))
            for handler in getattr(stmt, "handlers", []):
                lists.extend(_own_statement_lists(handler.body))
    return lists


class Blocks:
    """Statements that only wrap others become marked `if`s of the core language, which
    the later stages treat as branches and codegen prints as what they were:

    - `assert c, m` -> `if not c: raise AssertionError(m)`; dropped when Python runs
      with -O, as Python compiled f itself then;
    - `with m as v: body` -> `if m: v = entered; body` marked `block="with"`: its test
      is the manager (a read, never a decision: the body always runs and the adjoint of
      the body is inlined), printed as `with m as entered:`;
    - `try: body except T as e: handler else: rest` -> `if completed: body else:
      e = caught; handler` marked `block="try"` (`catch` = T, `caught` = the name
      bound), then `if completed: rest`; several except clauses are one catching
      all their types, which runs the first that matches (`isinstance` tests).
      Printed as a try statement whose except clause sets `completed = False`, so the
      adjoint follows the path the forward sweep took, like any branch. The handler
      path must not see what a try body stopped midway left behind, so these are
      refused (located): an in-place write or list update in the body (checked once
      flattened), a variable the body assigns that the handler reads, and one read
      after the try while the handler may finish without assigning it, unless the body
      assigns it only in its last statement, a plain assignment: then it is unchanged
      when the body fails, as the handler sees it. The except clause re-raises
      pullback's own errors;
    - `match` -> an `if` chain testing the patterns in order (see `match_`);
    - `for`/`while ... else: rest` -> the loop, then `if not broke: rest` (`loop_else`)."""

    def __init__(self, namer, location, function, error=None, resolve=None):
        self.namer = namer
        self.resolve = resolve  # what a class pattern's class denotes (None: unknown)
        self.function = function
        self.error = error or (lambda what, node: located_error(what, node, location))
        self.cleanups: set = set()  # the except clauses that stand for finally clauses
        # what `check_try` asks of the function as written (only a try needs the walks)
        self.loads, self.own = {}, set()
        self.before = None  # the statement before the try being lowered
        if any(isinstance(s, gast.Try) for s in skeleton(function)):
            self.loads = load_counts(function)
            self.own = {a.id for a in function.args.posonlyargs + function.args.args
                        + function.args.kwonlyargs} | set(stored_in_order(function))

    def block(self, stmts):
        out = []
        for i, s in enumerate(stmts):
            if isinstance(s, gast.Try):
                self.before = stmts[i - 1] if i else None  # for `guarded_reads`
            out.extend(self.stmt(s))
        return out

    def stmt(self, s):
        lineno = getattr(s, "lineno", None)
        if isinstance(s, gast.Assert):
            if sys.flags.optimize:  # python -O compiled f without its asserts
                return []
            self.namer.reserve("AssertionError")  # the builtin, never a fresh name
            error = gast.Call(func=load("AssertionError"), args=[s.msg] if s.msg else [],
                              keywords=[])
            return [at_line(if_(not_(s.test), [gast.Raise(exc=error, cause=None)]), lineno)]
        if isinstance(s, gast.With):
            return [at_line(self.with_(s.items, s.body), lineno)]
        if isinstance(s, gast.Try):
            return [at_line(new, lineno) for new in self.try_(s)]
        if isinstance(s, gast.Match):
            return [at_line(new, lineno) for new in self.match_(s)]
        if isinstance(s, (gast.For, gast.While)) and s.orelse:
            return [at_line(new, lineno) for new in self.loop_else(s)]
        if isinstance(s, (gast.If, gast.For, gast.While)):
            s.body = self.block(s.body)
            s.orelse = self.block(s.orelse)
        return [s]

    def loop_else(self, s):
        """`for t in xs: body else: rest` (or `while`) -> `broke = False`, the loop with
        each of its own `break`s setting `broke = True` first, then `if not broke: rest`:
        the else clause runs when the loop ends without a break, as in Python (a return
        in the loop skips it: control_flow.py guards what follows a return)."""
        broke = self.namer.fresh("broke")
        for parent in _own_statement_lists(s.body):
            for i in reversed(range(len(parent))):
                if isinstance(parent[i], gast.Break):
                    parent.insert(i, at_line(assign(broke, const(True)),
                                             getattr(parent[i], "lineno", None)))
        rest, s.orelse = s.orelse, []
        return [assign(broke, const(False)), *self.stmt(s),
                if_(not_(load(broke)), self.block(rest))]

    def match_(self, s):
        """`match subject: case P if guard: body ...` -> the subject in a name, then an
        `if`/`elif` chain testing the cases in order as Python does: a value pattern is
        `subject == value`, None/True/False are `subject is ...`, `P1 | P2` is `or`, `_` and
        a capture always match (a capture binds the subject). A sequence, mapping or class
        pattern first tests the subject's structure (`matches_sequence`, `matches_mapping`,
        `matches_class`: Python's rules), then its parts' patterns on the reads
        `subject[i]`, `subject[key]`, `subject.attr`; their captures bind those reads (a
        `*rest` the list `list(subject[i:-j])`) once the case matched. When a case binds
        names its guard reads, a flag says whether a case has run."""
        for name in captured(*[case.pattern for case in s.cases]):
            self.namer.reserve(name)  # a fresh name must not be one a pattern binds
        subject = self.namer.fresh("subject")
        out = [assign(subject, s.subject)]
        cases = [(c, *self.pattern(c.pattern, load(subject))) for c in s.cases]
        if not any(c.guard is not None and captures for c, _, captures in cases):
            chain: list = []
            for case, test, captures in reversed(cases):
                body = self.bind(captures) + self.block(case.body)
                if case.guard is not None:
                    test = case.guard if test is None else gast.BoolOp(
                        op=gast.And(), values=[test, case.guard])
                chain = body if test is None else [at_line(if_(test, body, chain),
                                                           case.pattern.lineno)]
            return out + chain
        unmatched = self.namer.fresh("unmatched")
        out.append(assign(unmatched, gast.Constant(value=True, kind=None)))
        for case, test, captures in cases:
            body = [assign(unmatched, gast.Constant(value=False, kind=None))] \
                + self.block(case.body)
            if case.guard is not None:
                body = [if_(case.guard, body)]
            body = self.bind(captures) + body
            if test is not None:
                body = [if_(test, body)]
            out.append(at_line(if_(load(unmatched), body), case.pattern.lineno))
        return out

    @staticmethod
    def bind(captures):
        return [assign(name, clone(read)) for name, read in captures]

    def pattern(self, p, subject):
        """(the test of pattern `p` on `subject` (the subject's name, or a read of a part
        of it), None when it always matches; the (name, read) pairs it binds)."""
        if isinstance(p, gast.MatchValue):
            return gast.Compare(left=clone(subject), ops=[gast.Eq()],
                                comparators=[p.value]), []
        if isinstance(p, gast.MatchSingleton):
            return gast.Compare(left=clone(subject), ops=[gast.Is()],
                                comparators=[gast.Constant(value=p.value, kind=None)]), []
        if isinstance(p, gast.MatchAs):
            test, captures = self.pattern(p.pattern, subject) if p.pattern is not None \
                else (None, [])
            return test, captures + ([(p.name, subject)] if p.name is not None else [])
        if isinstance(p, gast.MatchOr):
            parts = [self.pattern(q, subject) for q in p.patterns]
            captures = parts[0][1]  # every alternative binds the same names (Python's rule)
            if any(sorted((n, gast.dump(r)) for n, r in found) != sorted(
                    (n, gast.dump(r)) for n, r in captures) for _, found in parts):
                self.error("alternatives of a match pattern that bind a name to different "
                           "parts of the subject (match each in its own case)", p)
            if any(test is None for test, _ in parts):
                return None, captures
            return gast.BoolOp(op=gast.Or(), values=[test for test, _ in parts]), captures
        if isinstance(p, gast.MatchSequence):
            return self.sequence_pattern(p, subject)
        if isinstance(p, gast.MatchMapping):
            if p.rest is not None:
                self.error(f"**{p.rest} in a mapping pattern (read the keys you need)", p)
            test = call("matches_mapping", clone(subject), tuple_of(*p.keys))
            parts = [self.pattern(q, gast.Subscript(value=clone(subject), slice=clone(key),
                                                    ctx=gast.Load()))
                     for key, q in zip(p.keys, p.patterns)]
            return self.all_of(test, parts)
        if isinstance(p, gast.MatchClass):
            return self.class_pattern(p, subject)
        self.error(f"{type(p).__name__} in a match statement", p)

    def sequence_pattern(self, p, subject):
        """`[a, *rest, b]`: a sequence of at least 2 elements (exactly 2 without *rest)."""
        stars = [i for i, q in enumerate(p.patterns) if isinstance(q, gast.MatchStar)]
        n = len(p.patterns)
        test = call("matches_sequence", clone(subject), const(n), const(bool(stars)))
        parts, captures = [], []
        for i, q in enumerate(p.patterns):
            if isinstance(q, gast.MatchStar):
                after = n - 1 - i  # the elements after *rest
                if q.name is not None:
                    rest = gast.Subscript(value=clone(subject), slice=gast.Slice(
                        lower=const(i), upper=const(-after) if after else None, step=None),
                        ctx=gast.Load())
                    captures.append((q.name, call("list", rest)))
                continue
            index = const(i) if not stars or i < stars[0] else const(i - n)
            parts.append(self.pattern(q, gast.Subscript(value=clone(subject), slice=index,
                                                        ctx=gast.Load())))
        test, found = self.all_of(test, parts)
        return test, found + captures

    SELF_MATCHING = (bool, bytearray, bytes, dict, float, frozenset, int, list, set, str,
                     tuple)  # `case float(v)`: v is the subject itself

    def class_pattern(self, p, subject):
        """`Point(a, y=b)`: an instance of Point with attributes x (Point.__match_args__[0])
        and y, whose patterns a and b test."""
        names = list(p.kwd_attrs)
        if p.patterns:
            cls = self.resolve(p.cls) if self.resolve else None
            if cls in self.SELF_MATCHING:
                if len(p.patterns) > 1:
                    self.error(f"{cls.__name__}() pattern with more than one positional "
                               "pattern", p)
                test, captures = self.pattern(p.patterns[0], subject)
                head = call(self.namer.spelled_builtin("isinstance"), clone(subject),
                            clone(p.cls))
                return self.all_of(head, [(test, captures)])
            match_args = getattr(cls, "__match_args__", None) if isinstance(cls, type) \
                else None
            if not isinstance(match_args, tuple) or len(match_args) < len(p.patterns):
                self.error("positional patterns of a class pullback cannot see the "
                           "__match_args__ of (name the attributes: Cls(x=a))", p)
            names = list(match_args[:len(p.patterns)]) + names
        test = call("matches_class", clone(subject), clone(p.cls),
                    tuple_of(*[const(n) for n in names]))
        parts = [self.pattern(q, gast.Attribute(value=clone(subject), attr=name,
                                                ctx=gast.Load()))
                 for name, q in zip(names, [*p.patterns, *p.kwd_patterns])]
        return self.all_of(test, parts)

    @staticmethod
    def all_of(test, parts):
        """(`test and` the parts' tests, in order; the parts' captures)."""
        tests = [test] + [t for t, _ in parts if t is not None]
        joined = tests[0] if len(tests) == 1 else gast.BoolOp(op=gast.And(), values=tests)
        return joined, [c for _, found in parts for c in found]

    def with_(self, items, body):
        item = items[0]
        inner = [self.with_(items[1:], body)] if items[1:] else self.block(body)
        entered = None
        if item.optional_vars is not None:
            entered = self.namer.fresh("entered")
            inner = [assign(item.optional_vars.id, load(entered))] + inner
        new = if_(item.context_expr, inner)
        BLOCK.set(new, "with")
        ENTERED.set(new, entered)
        return new

    def try_(self, s):
        if s.finalbody:
            return self.finally_(s)
        for handler in s.handlers:
            self.check_try(s, handler)
        flag = self.namer.fresh("completed")
        caught = self.namer.fresh("caught")
        types_ = [h.type for h in s.handlers]
        catch = types_[0] if len(types_) == 1 else None if None in types_ else \
            gast.Tuple(elts=[clone(e) for t in types_  # (an except clause takes no nesting)
                             for e in (t.elts if isinstance(t, gast.Tuple) else [t])],
                       ctx=gast.Load())
        self.namer.reserve("isinstance")  # the builtin, never a fresh name
        new = if_(load(flag), self.block(s.body), self.handlers(s.handlers, caught))
        BLOCK.set(new, "try")
        CATCH.set(new, catch)
        CAUGHT.set(new, caught)
        out = [new]
        if s.orelse:  # runs when the body completed, outside the try: not caught
            out.append(if_(load(flag), self.block(s.orelse)))
        return out

    def finally_(self, s):
        """`try: body ... finally: cleanup` -> `try: body ... except BaseException:
        cleanup; raise`, then `cleanup`: the clean-up runs once whether the body completes
        or raises (and the exception goes on), as Python runs it. A `return` ending the
        body returns after the clean-up. Any other return, break or continue inside
        (which would leave through the clean-up) is refused."""
        body = list(s.body)
        returned = None
        if not s.handlers and isinstance(body[-1], gast.Return):
            returned = self.namer.fresh("returned")
            body[-1] = at_line(assign(returned, body[-1].value), getattr(body[-1], "lineno", None))
        for part in (body, *[h.body for h in s.handlers], s.orelse, s.finalbody):
            for stmt in part:
                for node in _outside_functions(stmt):
                    if isinstance(node, (gast.Return, gast.Break, gast.Continue)):
                        line = getattr(node, "lineno", None)
                        self.error(f"try/finally with a {type(node).__name__.lower()}"
                                   + (f" (line {line})" if line else "") + " inside (other "
                                   "than a return ending the try body): pullback does not "
                                   "follow a jump through the clean-up; set a variable and "
                                   "jump after the try", s)
        if s.handlers:
            body = [gast.Try(body=body, handlers=s.handlers, orelse=s.orelse, finalbody=[])]
        self.namer.reserve("BaseException")  # the builtin, never a fresh name
        cleanup = gast.ExceptHandler(
            type=load("BaseException"), name=None,
            body=[clone(c) for c in s.finalbody] + [gast.Raise(exc=None, cause=None)])
        self.cleanups.add(id(cleanup))  # for the messages of check_try
        guarded = gast.Try(body=body, handlers=[cleanup], orelse=[], finalbody=[])
        out = self.try_(guarded) + self.block(s.finalbody)
        if returned is not None:
            out.append(gast.Return(value=load(returned)))
        return out

    def handlers(self, handlers, caught) -> list:
        """The except clauses as one: the first whose types match what was caught runs
        (`isinstance` tests in their order; a bare `except:` is last)."""
        first, rest = handlers[0], handlers[1:]
        body = [assign(first.name.id, load(caught))] if first.name is not None else []
        body += self.block(first.body)
        if not rest:
            return body
        test = gast.Call(func=load(self.namer.spelled_builtin("isinstance")),
                         args=[load(caught), clone(first.type)], keywords=[])
        return [at_line(if_(test, body, self.handlers(rest, caught)), getattr(first, "lineno",
                                                                         None))]

    def guarded_reads(self, s, handler, name) -> bool:
        """Whether every read of `name` outside the try `s` is in the body of an `if F:`,
        F a flag that says the body completed: set `F = True` by the statement just before
        the try, `F = False` by a statement of the except clause's own (before any break
        or continue), and assigned nowhere else. Such a read runs only when the body
        completed, as the reads of the gradients pullback generates for a try do."""
        flag = _flag_set(self.before, True)
        if flag is None:
            return False
        for stmt in handler.body:
            if _flag_set(stmt, False) == flag:
                break
            if any(isinstance(n, (gast.Break, gast.Continue)) for n in walk(stmt)):
                return False
        else:
            return False
        if sum(isinstance(n, gast.Name) and n.id == flag and not isinstance(n.ctx, gast.Load)
               for n in walk(self.function)) != 2:
            return False
        guarded, stack = 0, [self.function]
        while stack:  # the name's reads in `if F:` bodies, outside the try
            node = stack.pop()
            if node is s:
                continue
            if isinstance(node, gast.If) and isinstance(node.test, gast.Name) \
                    and node.test.id == flag:
                guarded += load_counts(gast.Module(body=node.body, type_ignores=[])).get(
                    name, 0)
                stack.extend(node.orelse)
            else:
                stack.extend(gast.iter_child_nodes(node))
        return guarded == self.loads.get(name, 0) - load_counts(s).get(name, 0)

    def reassigned_before_reads(self, s, name) -> bool:
        """Whether no read of `name` outside the try `s` can see a value the body left:
        each is preceded, in its own statement list or an enclosing one, by a statement
        assigning `name` (`name = ...`, or one target of an unpacking) with no statement
        containing the try between them, or runs before the try can have run (before it
        in the function, outside any loop containing it). A read in a nested function or
        lambda counts as one that can. The gradients pullback generates read a try body's
        values so, after the adjoint pops them again (`r = pop()` in a loop's adjoint)."""
        around: set = set()  # the statements containing the try, itself included

        def find(stmts) -> bool:
            for st in stmts:
                if st is s or any(find(getattr(st, f)) for f in ("body", "orelse", "handlers",
                                                                  "finalbody", "cases")
                                  if isinstance(getattr(st, f, None), list)):
                    around.add(id(st))
                    return True
            return False

        if not find(self.function.body):
            return False

        def assigns(st) -> bool:
            if not isinstance(st, gast.Assign):
                return False
            for t in st.targets:
                for e in t.elts if isinstance(t, (gast.Tuple, gast.List)) else [t]:
                    if isinstance(e, gast.Name) and e.id == name:
                        return True
            return False

        def reads(node) -> bool:
            return any(n.__class__ is gast.Name and n.id == name
                       and n.ctx.__class__ is gast.Load for n in walk(node))

        def clean(stmts, covered) -> bool:
            for st in stmts:
                if st is s:
                    covered = False
                    continue
                inside = id(st) in around
                covered_before = covered
                covered = covered and not inside
                if isinstance(st, (gast.FunctionDef, gast.AsyncFunctionDef, gast.ClassDef)):
                    if reads(st):
                        return False
                    continue
                blocks = [getattr(st, f) for f in ("body", "orelse", "finalbody")
                          if isinstance(getattr(st, f, None), list)]
                blocks += [h.body for h in getattr(st, "handlers", [])]
                blocks += [c.body for c in getattr(st, "cases", [])]
                heads = [v for f, v in gast.iter_fields(st)
                         if f not in ("body", "orelse", "finalbody", "handlers", "cases")]
                if not covered and any(reads(h) for h in heads if isinstance(h, gast.AST)) \
                        or any(reads(c.pattern) or (c.guard is not None and reads(c.guard))
                               for c in getattr(st, "cases", []) if not covered):
                    return False
                entry = covered
                if inside and isinstance(st, (gast.For, gast.While)):
                    # a read before the try in the loop's body sees, from the second trip
                    # on, a name the body assigns after the try (no jump can skip that)
                    at = next((i for i, t in enumerate(st.body) if id(t) in around or t is s),
                              None)
                    entry = covered_before and at is not None \
                        and any(assigns(t) for t in st.body[at + 1:]) \
                        and not any(isinstance(n, (gast.Break, gast.Continue, gast.Return))
                                    for n in walk(gast.Module(body=st.body, type_ignores=[])))
                if any(not clean(b, entry) for b in blocks):
                    return False
                if inside:
                    covered = False
                elif assigns(st):
                    covered = True
            return True

        return clean(self.function.body, True)

    def check_try(self, s, handler):
        for part in handler.type.elts if isinstance(handler.type, gast.Tuple) \
                else [handler.type] if handler.type is not None else []:
            name = dotted_name(part)
            if name is None or name.split(".")[0] in self.own:
                self.error("an except clause whose exception type is not a global name "
                           "(or a tuple of them): pullback evaluates it as written", part)
        last = s.body[-1]
        last_only = {t.id for t in getattr(last, "targets", [getattr(last, "target", None)])
                     if isinstance(t, gast.Name)} if isinstance(
            last, (gast.Assign, gast.AugAssign, gast.AnnAssign)) else set()
        earlier = stored_in_order(*s.body[:-1])
        handled = gast.Module(body=handler.body, type_ignores=[])
        for name in sorted(stored_in_order(*s.body)):
            # a name only the body's last statement assigns (a plain assignment, its last
            # step) holds its value from before the try whenever the body raises
            unchanged = name in last_only and name not in earlier
            if load_counts(handled).get(name) and not unchanged:
                where = next(n for n in walk(handled) if isinstance(n, gast.Name)
                             and n.id == name and isinstance(n.ctx, gast.Load))
                clause = "finally" if id(handler) in self.cleanups else "except"
                self.error(f"the {clause} clause reads {name!r}, which the try body assigns: "
                           "after an exception midway through the body it may hold a value "
                           "the body left, and pullback runs the handler on the values from "
                           "before the try " + (
                               f"(use {name!r} after the try, or compute it before the try)"
                               if clause == "finally" else f"(give {name!r} a value in the "
                               "except clause, or compute it before the try)"), where)
            read_after = self.loads.get(name, 0) > load_counts(s).get(name, 0)
            if read_after and (name in earlier or name not in last_only) \
                    and not always_exits(handler.body) \
                    and first_use(handler.body, name) != "assigned" \
                    and not self.guarded_reads(s, handler, name) \
                    and not self.reassigned_before_reads(s, name):
                self.error(f"{name!r} is assigned in the try body and read after the try, "
                           "but the except clause may finish without assigning it: after "
                           "an exception midway through the body it would hold what the "
                           f"body left. Assign {name!r} in the except clause too (or raise "
                           "or return there)", s)
