"""Password policy: length, the account's own names, keyboard runs, the campaign's words and
common passwords.

The common-password list and the keyboard layouts come from zxcvbn (PyPI ``zxcvbn``, pinned in
requirements.txt): a pure-Python, offline port of Dropbox's estimator that ships the 30,000 most
frequent passwords of leaked lists and the adjacency graphs of the qwerty keyboard and keypad.
A list kept by a maintained library beats one copied into this repository; the Chinese
favourites it lacks are added below.  Only its data and matchers are used, not its score:
the rule stays explainable in one Chinese sentence per refusal.
"""

from __future__ import annotations

import functools
import re
import unicodedata

from zxcvbn import matching
from zxcvbn.frequency_lists import FREQUENCY_LISTS

from ..errors import ValidationFailed

MAX_PASSWORD_LENGTH = 128

# The most common passwords in leaked Chinese lists (lower-cased), on top of zxcvbn's list.
CHINESE_COMMON_PASSWORDS = frozenset(
    """
    123456 123456789 12345678 1234567890 1234567 12345 111111 000000 666666 888888
    123123 112233 121212 123321 654321 987654321 11111111 00000000 88888888 66666666
    1qaz2wsx qwerty qwerty123 qwertyuiop asdfghjkl zxcvbnm password password1 password123
    passw0rd p@ssw0rd admin admin123 admin888 root123 abc123 abc123456 a123456 a12345678
    aa123456 qq123456 q1w2e3r4 1q2w3e4r 1q2w3e4r5t woaini woaini1314 woaini520 iloveyou
    5201314 1314520 wang1234 zhang123 li123456 abcd1234 abcdefg abcdefgh 147258369
    159357 7758521 letmein welcome monkey dragon sunshine football baseball superman
    changeme default test1234 test123456 wodemima mima1234 zhongguo china123 beijing
    """.split()
)

#: Words of the campaign itself (folded): the first guesses of anyone who saw its posters.
CAMPAIGN_WORDS = (
    "安全", "生产月", "消防", "竞赛", "anquan", "safety", "shengchan", "xiaofang", "jingsai",
    "aqsc", "2025", "2026", "2027",
)

#: The account's own names count from this length on (a two-letter username would refuse half
#: the alphabet); a Chinese name of two characters (张三) counts.
MIN_NAME_LENGTH = 3
MIN_CHINESE_NAME_LENGTH = 2
#: Keyboard runs (qwertyui, 1qaz2wsx, 1q2w3e4r) and sequences (abcdef, 13579) count from this
#: length on, and refuse a password when they make up half of it or more.
MIN_RUN_LENGTH = 4

_EDGE_JUNK = "0123456789!@#$%^&*()-_=+.,;:~`'\"?/\\|[]{}<> "


def fold(text: str) -> str:
    """How passwords and names are compared: NFKC (full-width to half-width), case-folded."""
    return unicodedata.normalize("NFKC", text or "").casefold()


@functools.cache
def common_passwords() -> frozenset[str]:
    """zxcvbn's 30,000 most common passwords and the Chinese favourites (loaded once)."""
    return frozenset(FREQUENCY_LISTS["passwords"]) | CHINESE_COMMON_PASSWORDS


def _is_common(folded: str) -> bool:
    common = common_passwords()
    core = folded.strip(_EDGE_JUNK)
    # "dragon2024!" is "dragon" with digits around it: as easy to guess.
    return folded in common or (len(core) >= 4 and core in common) or len(set(folded)) <= 2


def _keyboard_run_share(folded: str) -> float:
    """The share of the password covered by keyboard runs and character sequences."""
    covered: set[int] = set()
    for match in matching.spatial_match(folded) + matching.sequence_match(folded):
        if match["j"] - match["i"] + 1 >= MIN_RUN_LENGTH:
            covered.update(range(match["i"], match["j"] + 1))
    return len(covered) / len(folded)


def _names_in(folded: str, names) -> bool:
    for name in names:
        name = re.sub(r"\s+", "", fold(name or ""))
        chinese = any("\u4e00" <= ch <= "\u9fff" for ch in name)
        if len(name) >= (MIN_CHINESE_NAME_LENGTH if chinese else MIN_NAME_LENGTH) and name in folded:
            return True
    return False


def check_password(password: str, min_length: int, *, username: str | None = None,
                   display_name: str | None = None) -> None:
    """The password rule for every way a password is set (registration, change, admin create and
    reset, API, bulk import, CLI): raise ValidationFailed with a Chinese message when it is weak."""
    password = password or ""
    if len(password) < min_length:
        raise ValidationFailed(f"密码至少需要 {min_length} 个字符", code="weak_password")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise ValidationFailed(f"密码不能超过 {MAX_PASSWORD_LENGTH} 个字符", code="weak_password")
    folded = fold(password)
    if _names_in(folded, (username, display_name)):
        raise ValidationFailed("密码不能包含用户名或姓名", code="weak_password")
    if any(word in folded for word in CAMPAIGN_WORDS):
        raise ValidationFailed("密码不能包含“安全”“anquan”“safety”、年份等活动相关的词", code="weak_password")
    if _is_common(folded):
        raise ValidationFailed("该密码过于常见，请换一个更难猜的密码", code="weak_password")
    if _keyboard_run_share(folded) >= 0.5:
        raise ValidationFailed("密码不能主要由键盘上相邻的键或连续的字符组成（如 qwerty、1qaz2wsx、abcd1234）",
                               code="weak_password")
