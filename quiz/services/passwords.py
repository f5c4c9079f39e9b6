"""Password policy: minimum length and a check against the most common passwords."""

from __future__ import annotations

import unicodedata

from ..errors import ValidationFailed

# The most common passwords in leaked Chinese and international lists (lower-cased).
COMMON_PASSWORDS = frozenset(
    """
    123456 123456789 12345678 1234567890 1234567 12345 111111 000000 666666 888888
    123123 112233 121212 123321 654321 987654321 11111111 00000000 88888888 66666666
    1qaz2wsx qwerty qwerty123 qwertyuiop asdfghjkl zxcvbnm password password1 password123
    passw0rd p@ssw0rd admin admin123 admin888 root123 abc123 abc123456 a123456 a12345678
    aa123456 qq123456 q1w2e3r4 1q2w3e4r 1q2w3e4r5t woaini woaini1314 woaini520 iloveyou
    5201314 1314520 wang1234 zhang123 li123456 abcd1234 abcdefg abcdefgh 147258369
    159357 7758521 letmein welcome monkey dragon sunshine football baseball superman
    changeme default test1234 test123456 safety123 anquan123 anquan2021 anquan2026
    """.split()
)


def check_password(password: str, min_length: int) -> None:
    """Raise ValidationFailed with a Chinese message when the password is too weak."""
    if len(password) < min_length:
        raise ValidationFailed(f"密码至少需要 {min_length} 个字符", code="weak_password")
    if len(password) > 128:
        raise ValidationFailed("密码不能超过 128 个字符", code="weak_password")
    folded = unicodedata.normalize("NFKC", password).casefold()
    if folded in COMMON_PASSWORDS or len(set(folded)) <= 2:
        raise ValidationFailed("该密码过于常见，请换一个更难猜的密码", code="weak_password")
