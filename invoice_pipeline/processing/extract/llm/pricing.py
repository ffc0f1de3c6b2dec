"""Estimated cost of an LLM call: a price table in USD per million tokens, input and output.

The built-in table holds list prices of common models (checked November 2026;
prices change, so treat the result as an estimate). ``LLM_PRICES_JSON``
(``ExtractorOptions.prices_json``, handed to :func:`prices`) adds or
overrides entries: a JSON object mapping a model name to
``[input_usd_per_mtok, output_usd_per_mtok]``, for example
``{"my-vllm-model": [0, 0], "gpt-4o": [2.5, 10]}``. A model is looked up by its
exact name, then by the longest table name it starts with (so
``gpt-4o-2024-08-06`` is priced as ``gpt-4o``); an unknown model costs 0 and
the caller still records its name.
"""

from __future__ import annotations

import json

Price = tuple[float, float]

DEFAULT_PRICES: dict[str, Price] = {
    # OpenAI
    "gpt-4o": (2.50, 10.00),
    "gpt-4o-mini": (0.15, 0.60),
    "gpt-4.1": (2.00, 8.00),
    "gpt-4.1-mini": (0.40, 1.60),
    "gpt-4.1-nano": (0.10, 0.40),
    "gpt-5": (1.25, 10.00),
    "gpt-5-mini": (0.25, 2.00),
    "gpt-5-nano": (0.05, 0.40),
    "gpt-6-sol": (2.00, 10.00),
    "gpt-6-luna": (0.10, 0.50),
    # Anthropic
    "claude-haiku-4-5": (1.00, 5.00),
    "claude-sonnet-4-5": (3.00, 15.00),
    "claude-sonnet-4-6": (3.00, 15.00),
    "claude-opus-4-5": (5.00, 25.00),
    "claude-sonnet-5": (2.00, 10.00),
    "claude-sonnet-5-5": (2.00, 10.00),
    "claude-opus-5": (5.00, 25.00),
    "claude-opus-5-5": (4.00, 20.00),
    # Google (standard paid tier, prompts up to 200k tokens)
    "gemini-2.0-flash": (0.10, 0.40),
    "gemini-2.5-flash": (0.30, 2.50),
    "gemini-2.5-flash-lite": (0.10, 0.40),
    "gemini-2.5-pro": (1.25, 10.00),
    "gemini-3.5-flash": (1.50, 9.00),
    "gemini-3.8-flash": (1.50, 7.50),
}


def prices(prices_json: str | None = None) -> dict[str, Price]:
    """The price table: the built-in one updated with ``prices_json`` (LLM_PRICES_JSON); ValueError when that is malformed."""
    table = dict(DEFAULT_PRICES)
    raw = prices_json
    if raw is None:
        return table
    try:
        extra = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ValueError(f"LLM_PRICES_JSON is not valid JSON: {exc.msg}") from None
    if not isinstance(extra, dict):
        raise ValueError(
            "LLM_PRICES_JSON must be a JSON object: model -> [input, output] USD per Mtok"
        )
    for model, pair in extra.items():
        if (
            not isinstance(pair, list | tuple)
            or len(pair) != 2
            or not all(
                isinstance(p, int | float) and not isinstance(p, bool) and p >= 0 for p in pair
            )
        ):
            raise ValueError(
                f"LLM_PRICES_JSON[{model!r}] must be [input_usd_per_mtok, output_usd_per_mtok], got {pair!r}"
            )
        table[str(model)] = (float(pair[0]), float(pair[1]))
    return table


def price_for(model: str | None, table: dict[str, Price] | None = None) -> Price | None:
    """The (input, output) USD per million tokens of a model, or None when it is not in the table.

    ``table`` defaults to the built-in prices.
    """
    if not model:
        return None
    table = prices() if table is None else table
    name = model.removeprefix("models/")
    if name in table:
        return table[name]
    candidates = [key for key in table if name.startswith(key + "-") or name.startswith(key + "@")]
    if not candidates:
        return None
    return table[max(candidates, key=len)]


def estimate_cost(
    model: str | None,
    input_tokens: int,
    output_tokens: int,
    table: dict[str, Price] | None = None,
) -> float:
    """Estimated USD cost of a call; 0.0 for a model without a price."""
    price = price_for(model, table)
    if price is None:
        return 0.0
    return round((input_tokens * price[0] + output_tokens * price[1]) / 1_000_000, 6)
