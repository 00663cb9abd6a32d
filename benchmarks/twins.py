"""A yingshe module's twin in torch.nn, for comparisons (tests and benchmarks)."""
import torch

from yingshe import nn


def torch_twin(module):
    """The same architecture in torch.nn (leaf layers rebuilt from their repr, which matches
    torch's), loaded with ``module``'s weights and buffers."""
    def build(m):
        children = list(m.named_children())
        if not children:
            return eval("torch.nn." + repr(m))
        twin = torch.nn.Sequential() if isinstance(m, nn.Sequential) else torch.nn.Module()
        for name, child in children:
            twin.add_module(name, build(child))
        return twin

    twin = build(module)
    twin.load_state_dict({k: torch.from_numpy(v.numpy().copy())
                          for k, v in module.state_dict().items()})
    return twin
