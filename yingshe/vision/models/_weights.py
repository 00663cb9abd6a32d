"""What the model builders do with ``weights=`` until pretrained weights are wired."""


def no_pretrained_weights(builder, weights):
    """Refuse ``weights`` other than None, saying what works instead."""
    if weights is not None:
        raise NotImplementedError(
            f"{builder}: pretrained weights are not wired yet (got weights={weights!r}); build "
            f"with weights=None and load a torchvision state_dict converted to arrays with "
            f"model.load_state_dict(...)")
