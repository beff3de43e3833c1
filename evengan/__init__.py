"""evengan: a tiny GAN that learns to emit even numbers, measured exactly.

The tutorial's public names live here, working: the bit helpers, the two modules and train().
"""

from .config import GANConfig
from .data import generate_even_data
from .encoding import convert_float_matrix_to_int_list, create_binary_list_from_int
from .models import Discriminator, Generator
from .presets import CONFIGS as PRESETS
from .trainer import Trainer
from .tutorial import train

__all__ = [
    "GANConfig",
    "PRESETS",
    "Trainer",
    "train",
    "generate_even_data",
    "create_binary_list_from_int",
    "convert_float_matrix_to_int_list",
    "Generator",
    "Discriminator",
]
__version__ = "0.1.0"
