"""The explicit list of every rule, and selection by code prefix."""

from __future__ import annotations

from typing import Dict, Tuple, Type

from perf_lint.rule import BaseRule
from perf_lint.rules.await_in_loop import AwaitInLoop
from perf_lint.rules.cacheable_function import CacheableFunction
from perf_lint.rules.complex_function import ComplexFunction
from perf_lint.rules.constant_rebuilt_per_call import ConstantRebuiltPerCall
from perf_lint.rules.dict_items_unused_part import DictItemsUnusedPart
from perf_lint.rules.list_literal_membership import ListLiteralMembership
from perf_lint.rules.list_pop_front import ListPopFront
from perf_lint.rules.list_used_as_set import ListUsedAsSet
from perf_lint.rules.logging_concat import LoggingConcat
from perf_lint.rules.logging_expensive_argument import LoggingExpensiveArgument
from perf_lint.rules.logging_fstring import LoggingFstring
from perf_lint.rules.logging_percent_format import LoggingPercentFormat
from perf_lint.rules.logging_str_format import LoggingStrFormat
from perf_lint.rules.loop_append_comprehension import LoopAppendComprehension
from perf_lint.rules.loop_append_extend import LoopAppendExtend
from perf_lint.rules.loop_dict_comprehension import LoopDictComprehension
from perf_lint.rules.loop_invariant_lookup import LoopInvariantLookup
from perf_lint.rules.loop_set_comprehension import LoopSetComprehension
from perf_lint.rules.loop_string_concat import LoopStringConcat
from perf_lint.rules.open_in_loop import OpenInLoop
from perf_lint.rules.oversized_class import OversizedClass
from perf_lint.rules.oversized_module import OversizedModule
from perf_lint.rules.query_in_loop import QueryInLoop
from perf_lint.rules.regex_in_loop import RegexInLoop
from perf_lint.rules.tuple_literal_membership import TupleLiteralMembership
from perf_lint.rules.unnecessary_list_cast import UnnecessaryListCast
from perf_lint.rules.wall_clock_duration import WallClockDuration

RULES: Tuple[Type[BaseRule], ...] = (
    ListLiteralMembership,
    TupleLiteralMembership,
    ListUsedAsSet,
    OversizedModule,
    ComplexFunction,
    OversizedClass,
    LoggingFstring,
    LoggingStrFormat,
    LoggingPercentFormat,
    LoggingConcat,
    LoggingExpensiveArgument,
    LoopAppendComprehension,
    LoopAppendExtend,
    LoopDictComprehension,
    LoopSetComprehension,
    UnnecessaryListCast,
    DictItemsUnusedPart,
    LoopStringConcat,
    RegexInLoop,
    OpenInLoop,
    QueryInLoop,
    AwaitInLoop,
    ListPopFront,
    WallClockDuration,
    ConstantRebuiltPerCall,
    CacheableFunction,
    LoopInvariantLookup,
)

BY_CODE: Dict[str, Type[BaseRule]] = {rule.CODE: rule for rule in RULES}


def codes_matching(prefix: str) -> Tuple[str, ...]:
    """Every rule code that starts with ``prefix`` (``PRF``, ``PRF1``, ``PRF101``)."""
    prefix = prefix.upper()
    return tuple(rule.CODE for rule in RULES if rule.CODE.startswith(prefix))


def rule_for(code_or_name: str) -> Type[BaseRule]:
    """Look a rule up by code or by kebab-case name; ``KeyError`` if unknown."""
    wanted = code_or_name.strip()
    if wanted.upper() in BY_CODE:
        return BY_CODE[wanted.upper()]
    for rule in RULES:
        if wanted == rule.NAME:
            return rule
    raise KeyError(code_or_name)
