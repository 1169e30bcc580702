"""Voucher codes: what a code may hold, code configs (charset, pattern, prefix, postfix), random codes."""

import secrets

from voucherhub.errors import DomainError

from ..models import (
    Campaign,
    Voucher,
)
from .requests import CodeConfig

DEFAULT_CHARSET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
DEFAULT_CODE_LENGTH = 8
MAX_CODE_LENGTH = 100


def check_code(code: str) -> None:
    """A code must be usable in a URL path: the SDK percent-encodes ``/`` and routing would break."""
    if not code or "/" in code or len(code) > MAX_CODE_LENGTH:
        raise DomainError(
            "invalid_voucher",
            "Invalid voucher",
            f"A code is 1-{MAX_CODE_LENGTH} characters without '/': {code!r}",
            resource_type="voucher",
        )


def code_shape(code_config: CodeConfig | None) -> tuple[str, str]:
    """(charset, full pattern with ``#`` for each random character) of a code config."""
    config = code_config or CodeConfig()
    charset = "".join(dict.fromkeys(config.charset or DEFAULT_CHARSET))
    pattern = config.pattern or "#" * int(config.length or DEFAULT_CODE_LENGTH)
    full = f"{config.prefix or ''}{pattern}{config.postfix or ''}"

    def bad(details: str) -> DomainError:
        return DomainError("invalid_code_config", "Invalid code config", details)

    if "/" in charset or "/" in full:
        raise bad("Codes cannot contain '/': remove it from charset, prefix, postfix and pattern")
    if "#" in charset:
        raise bad("The charset cannot contain '#', the pattern's placeholder")
    if "#" not in pattern:
        raise bad("The pattern needs at least one '#' (a random character)")
    if len(full) > MAX_CODE_LENGTH:
        raise bad(f"Codes would be longer than {MAX_CODE_LENGTH} characters")
    return charset, full


def check_code_space(code_config: CodeConfig | None, count: int) -> tuple[str, str]:
    """(charset, pattern) of a config with room for ``count`` codes (ten times that, so that random draws
    rarely collide); ``invalid_code_config`` otherwise."""
    charset, pattern = code_shape(code_config)
    combinations = len(charset) ** pattern.count("#")
    if combinations < count * 10:
        raise DomainError(
            "invalid_code_config",
            "Invalid code config",
            f"The code config allows {combinations} codes; use a longer pattern or a larger charset",
        )
    return charset, pattern


def generate_codes(code_config: CodeConfig | None, count: int) -> list[str]:
    """``count`` new codes, unused so far, drawn with ``secrets`` (codes must not be guessable)."""
    charset, pattern = check_code_space(code_config, count)
    codes: set[str] = set()
    for _attempt in range(20):
        wanted = count - len(codes)
        if wanted == 0:
            break
        batch = {"".join(secrets.choice(charset) if c == "#" else c for c in pattern) for _ in range(wanted)}
        batch -= codes
        taken = set(Voucher.objects.filter(code__in=batch).values_list("code", flat=True))
        codes |= batch - taken
    if len(codes) < count:
        raise DomainError("invalid_code_config", "Invalid code config", "Could not find enough unused codes")
    return sorted(codes)


def template_code_config(campaign: Campaign) -> CodeConfig | None:
    return CodeConfig.from_stored((campaign.voucher_template or {}).get("code_config"))
