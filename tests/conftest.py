import pytest
import torch


@pytest.fixture(autouse=True, scope="session")
def _one_thread():
    # Tiny tensors: threads only add scheduling noise.
    torch.set_num_threads(1)
