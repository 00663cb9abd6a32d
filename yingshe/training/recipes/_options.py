"""What the recipes whose models each take their own options share."""

__all__ = ["per_model_config"]


def per_model_config(model, options, defaults, kind):
    """``{"model": model, option: value, ...}`` with each option of ``defaults[model]`` taken
    from ``options``, or its default where ``options`` gives None or nothing; a ValueError
    names an unknown model (``kind`` says of what) or an option ``model`` does not take."""
    if model not in defaults:
        raise ValueError(f"unknown {kind} {model!r}; available: {', '.join(defaults)}")
    foreign = sorted(key for key, value in options.items()
                     if key not in defaults[model] and value is not None)
    if foreign:
        raise ValueError(f"{model} does not take {foreign}; it takes {list(defaults[model])}")
    return {"model": model, **{key: default if options.get(key) is None else options[key]
                               for key, default in defaults[model].items()}}
