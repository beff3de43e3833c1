"""GANConfig: validation that names the field, and the share-link round trip."""

import dataclasses

import pytest

from evengan import GANConfig
from evengan.config import FIELD_NAMES
from evengan.parse import config_from_strings
from evengan.presets import PRESETS


def test_defaults_are_the_tutorial():
    c = GANConfig()
    assert (c.n_bits, c.batch_size, c.lr_g, c.lr_d, c.loss) == (7, 16, 1e-3, 1e-3, "bce")
    assert c.upper == 128 and c.z_dim == 7


def test_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        GANConfig().n_bits = 5


@pytest.mark.parametrize(
    "field, value, words",
    [
        ("n_bits", 2, "n_bits must be an integer in 3..16"),
        ("n_bits", 17, "n_bits"),
        ("n_bits", 7.0, "n_bits"),
        ("batch_size", 0, "batch_size"),
        ("lr_g", -1e-3, "lr_g must be a number in"),
        ("lr_d", float("nan"), "lr_d"),
        ("seed", -1, "seed"),
        ("loss", "nope", "loss must be one of bce"),
        ("mbstd", 1, "mbstd must be true or false"),
        ("pack", 3, "batch_size must be a multiple of pack"),
        ("max_int", 1000, "max_int must be at most"),
    ],
)
def test_invalid_values_name_the_field(field, value, words):
    with pytest.raises(ValueError, match=words):
        GANConfig(**{field: value})


def test_query_round_trip_of_every_field():
    c = GANConfig(n_bits=9, max_int=300, batch_size=32, lr_g=3e-4, lr_d=0.0125, seed=42,
                  loss="wgan-gp", optimizer_d="sgd", beta1=0.5, momentum=0.9, d_steps=3,
                  label_smoothing=0.1, instance_noise=0.2, g_hidden=16, g_depth=2, d_hidden=8,
                  mbstd=True, pack=2, noise="gaussian", noise_dim=4, decode="sample")
    q = c.to_query()
    assert all(isinstance(v, str) for v in q.values())
    assert _parsed(q) == c
    assert _parsed(GANConfig().to_query()) == GANConfig()


@pytest.mark.parametrize(
    "query, field",
    [({"n_bits": "x"}, "n_bits"), ({"lr_g": "1e9"}, "lr_g"), ({"mbstd": "maybe"}, "mbstd"),
     ({"seed": "1.5"}, "seed"), ({"loss": "nope"}, "loss")],
)
def test_bad_query_values_raise_naming_the_field(query, field):
    with pytest.raises(ValueError, match=field):
        _parsed(query)


def test_unknown_query_keys_are_not_config():
    assert _parsed({"step": "100", "lang": "pt"}) == GANConfig()


def _parsed(query: dict) -> GANConfig:
    return config_from_strings(query, strict=True)[0]


def test_the_page_collects_every_problem_and_keeps_the_rest():
    """The same parser as the command line's, but for a link: every bad value named, the good
    ones kept, a preset as the base."""
    config, problems = config_from_strings(
        {"preset": "healthy", "n_bits": "99", "seed": "3", "lr": "0.002", "loss": "nope"},
        strict=False)
    assert config == PRESETS["healthy"].config.replace(seed=3, lr_g=0.002, lr_d=0.002)
    assert [field for field, _ in problems] == ["n_bits", "loss"]
    _, clash = config_from_strings({"lr": "0.1", "lr_g": "0.2"}, strict=False)
    assert clash[0][0] == "lr"
    with pytest.raises(ValueError, match="unknown preset"):
        config_from_strings({"preset": "nope"})


def test_needs_reset_only_for_structure_and_seed():
    c = GANConfig()
    assert not c.needs_reset(c.replace(lr_g=0.01, label_smoothing=0.2))
    assert c.needs_reset(c.replace(n_bits=8))
    assert c.needs_reset(c.replace(seed=3))
    assert set(FIELD_NAMES) >= {"n_bits", "batch_size", "lr_g", "lr_d", "seed"}


def test_presets_are_importable_from_the_package_as_configs():
    import evengan
    from evengan import PRESETS
    from evengan.presets import PRESETS as NOTED

    assert set(PRESETS) == set(NOTED) >= {"tutorial", "collapse", "healthy"}
    assert all(isinstance(c, GANConfig) for c in PRESETS.values())
    assert PRESETS["tutorial"] == GANConfig()
    assert PRESETS["healthy"] == NOTED["healthy"].config  # the app's Preset objects agree
    assert "PRESETS" in evengan.__all__
    with pytest.raises(TypeError):  # read-only: nobody changes a preset for everyone
        PRESETS["tutorial"] = GANConfig(n_bits=3)
