"""A run as one plain PyTorch script (or notebook) that needs nothing but torch.

The script holds the config as constants, G and D as ordinary nn.Modules, the losses,
torch.optim, the same counter-based noise and data (the hash of evengan.rng in a few lines),
the tutorial's loop, "(1) update G / (2) update D", and the exact metrics at the end, its last
line one JSON object. It replays evengan's run: the same initial weights, the same draws. The
arithmetic is torch's own (nn.Linear, torch.optim.Adam), which rounds a little differently
from the engine's batch-invariant kernels, so the weights agree to float rounding and the
exact metrics almost always exactly (tests/test_export.py counts how often).

Worked example: `python -m evengan export --seed 3 --steps 500 > run.py && python run.py`
prints a progress line every 100 steps and ends with
`{"step": 500, "coverage": ..., "distinct": ..., "target_ratio": ..., ...}`.
"""

from __future__ import annotations

import json

from . import target as targets
from .config import GANConfig

# The parts of a config the plain script writes out; the rest it cannot express (yet).
_LOSSES = ("bce", "minimax", "lsgan", "wgan")


def _checks(config: GANConfig) -> list[tuple[bool, str, str]]:
    """(cannot express, the setting as a link writes it, in words) for each limit."""
    c = config
    return [
        (c.loss not in _LOSSES, f"loss={c.loss}", f"the {c.loss} loss"),
        (c.d_steps != 1 or c.g_steps != 1, "d_steps, g_steps", "several D or G steps per step"),
        (c.instance_noise > 0, "instance_noise", "instance noise"),
        (c.mbstd, "mbstd", "the minibatch-std feature"),
        (c.noise == "gaussian", "noise=gaussian", "Gaussian noise"),
        (c.decode != "threshold", "decode=sample", "Bernoulli decoding"),
        (c.unroll_steps > 0, "unroll_steps", "the unrolled G"),
        (c.r1_weight > 0, "r1_weight", "the R1 penalty"),
    ]


def unsupported(config: GANConfig) -> list[str]:
    """What of this config the plain script cannot express, in words; [] when it can."""
    return [words for bad, _, words in _checks(config) if bad]


def unsupported_settings(config: GANConfig) -> list[str]:
    """The same as settings, as links and the CLI name them (the same in every language)."""
    return [setting for bad, setting, _ in _checks(config) if bad]


def script(config: GANConfig, steps: int) -> str:
    """The run as a self-contained Python script; ValueError naming what it cannot express."""
    return "\n".join(cell for _, cell in cells(config, steps)) + "\n"


def notebook(config: GANConfig, steps: int) -> str:
    """The same as a Jupyter notebook (nbformat 4), as JSON text."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    for kind, text in cells(config, steps):
        text = text.strip("\n")
        if kind == "markdown":
            nb.cells.append(nbformat.v4.new_markdown_cell(text.replace("# ", "", 1)
                                                          if text.startswith("# ") else text))
        else:
            nb.cells.append(nbformat.v4.new_code_cell(text))
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    return nbformat.writes(nb)


def cells(config: GANConfig, steps: int) -> list[tuple[str, str]]:
    """The script's parts, in order: ("markdown" | "code", text)."""
    missing = unsupported(config)
    if missing:
        raise ValueError("the plain PyTorch script cannot express " + ", ".join(missing)
                         + " yet; export a run without them")
    if not 0 <= steps <= 1_000_000:
        raise ValueError(f"steps must be in 0..1,000,000, got {steps}")
    c = config
    constants = {
        "N_BITS": c.n_bits, "UPPER": c.upper, "BATCH": c.batch_size, "LR_G": c.lr_g,
        "LR_D": c.lr_d, "SEED": c.seed, "LOSS": c.loss, "OPTIMIZER_G": c.optimizer_g,
        "OPTIMIZER_D": c.optimizer_d, "BETAS": (c.beta1, c.beta2), "MOMENTUM": c.momentum,
        "LABEL_SMOOTHING": c.label_smoothing, "CLIP": c.clip, "G_HIDDEN": c.g_hidden,
        "G_DEPTH": c.g_depth, "D_HIDDEN": c.d_hidden, "D_DEPTH": c.d_depth, "PACK": c.pack,
        "NOISE": c.noise, "Z_DIM": c.z_dim, "STEPS": steps,
    }
    config_cell = "# The run's settings (evengan config " + json.dumps(c.to_query()) + ")\n"
    config_cell += "\n".join(f"{k} = {v!r}" for k, v in constants.items())
    config_cell += f"\nTARGET = {c.target!r}\n# Each real number and its weight\n"
    config_cell += f"WEIGHTS = {_weights_code(c)}"
    return [
        ("markdown", _HEAD),
        ("code", "import json\nimport math\n\nimport torch\nimport torch.nn as nn\n"
                 "import torch.nn.functional as F\n\ntorch.set_num_threads(1)"),
        ("code", config_cell),
        ("markdown", "# Counter-based random numbers: every draw is a hash of (seed, counter)."),
        ("code", _RNG),
        ("markdown", "# The networks: plain nn.Modules, initialised from the run's own draws."),
        ("code", _MODELS),
        ("markdown", "# The losses, on D's raw scores."),
        ("code", _LOSSES_CODE),
        ("markdown", "# Training: (1) update G against D, (2) update D on a real batch and the "
                     "fakes G made before its update."),
        ("code", _TRAIN),
        ("markdown", "# The exact metrics: every noise vector through G."),
        ("code", _METRICS),
    ]


def _weights_code(config: GANConfig) -> str:
    """A Python expression of the target's {number: weight} below UPPER, as short as its kind
    allows (a listed set is written out)."""
    kind, args = targets.parse(config.target)
    step = {"even": (0, 2), "odd": (1, 2)}.get(kind)
    if kind == "multiples":
        step = (0, args[0])
    if step:
        return f"{{x: 1 for x in range({step[0]}, UPPER, {step[1]})}}"
    if kind == "range":
        return f"{{x: 1 for x in range({args[0]}, min({args[1]}, UPPER - 1) + 1)}}"
    if kind == "primes":
        return ("{x: 1 for x in range(2, UPPER) "
                "if all(x % d for d in range(2, math.isqrt(x) + 1))}")
    runs = [(lo, min(hi, config.upper - 1), w) for lo, hi, w in args if lo < config.upper]
    return (f"{{x: w for lo, hi, w in {runs!r} for x in range(lo, hi + 1)}}"
            "  # (first, last, weight) runs")


_HEAD = '''# A GAN on integers, exported from evengan as a plain PyTorch script.
# It needs only torch. It trains the very run evengan trained (the same initial weights and
# the same noise and data, drawn from the same counter-based hash), with nn.Linear and
# torch.optim, and prints the exact metrics at the end, the last line one JSON object.'''

_RNG = '''MASK = 0xFFFFFFFF


def mix32(x):
    """A 32-bit integer hash of int64 values below 2**32."""
    x = ((x >> 16) ^ x) * 0x45D9F3B & MASK
    x = ((x >> 16) ^ x) * 0x45D9F3B & MASK
    return (x >> 16) ^ x


SEED_KEY = mix32(torch.tensor(SEED & MASK, dtype=torch.int64))
counter = 0  # one per draw: G's weights, D's weights, then one per training step


def draw_hashes(count):
    """The next draw's `count` 32-bit hashes (as int64)."""
    global counter
    counter += 1
    key = mix32(SEED_KEY ^ mix32(torch.tensor((counter + 0x3C6EF372) & MASK)))
    return mix32((mix32(torch.arange(count, dtype=torch.int64) + 1)) ^ key)


def to_bits(ints, n):
    """Integers to their n bits, most significant first, as floats."""
    return ((ints[..., None] >> torch.arange(n - 1, -1, -1)) & 1).to(torch.float32)


# The real numbers, each repeated by its weight: a uniform pick from it draws the target.
TABLE = torch.tensor([x for x in sorted(WEIGHTS) for _ in range(WEIGHTS[x])])
TABLE_BITS = to_bits(TABLE, N_BITS)
# The tutorial's evens of n bits are n - 1 fair bits and a 0.
PARITY = TARGET == "even" and UPPER == 2**N_BITS


def draw_step():
    """One step's noise batch (BATCH, Z_DIM) and real batch (BATCH, N_BITS), from one hash."""
    noise_bits = BATCH * Z_DIM if NOISE == "binary" else 0
    noise_hashes = BATCH * Z_DIM if NOISE != "binary" else 0
    real_bits = BATCH * N_BITS if PARITY else 0
    real_hashes = 0 if PARITY else BATCH
    n_hash = noise_hashes + real_hashes
    words = -(-(noise_bits + real_bits) // 32)
    h = draw_hashes(n_hash + words)
    bits = ((h[n_hash:, None] >> torch.arange(32)) & 1).flatten().to(torch.float32)
    if NOISE == "binary":
        z = bits[:noise_bits].view(BATCH, Z_DIM)
    else:
        z = (h[:noise_hashes].to(torch.float32) * 2.0**-32).view(BATCH, Z_DIM)
    if PARITY:
        real = bits[noise_bits : noise_bits + real_bits].view(BATCH, N_BITS)
        real[:, -1] = 0.0
    else:
        pick = (h[noise_hashes : noise_hashes + BATCH] * len(TABLE)) >> 32
        real = TABLE_BITS[pick]
    return z, real'''

_MODELS = '''def mlp(n_in, n_out, hidden, depth):
    """Linear layers with LeakyReLU(0.2) between them; hidden == 0 is one Linear layer."""
    sizes = [n_in] + ([hidden] * depth if hidden else []) + [n_out]
    layers = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(a, b))
        if i < len(sizes) - 2:
            layers.append(nn.LeakyReLU(0.2))
    return nn.Sequential(*layers)


def initialise(net):
    """nn.Linear's own bounds, U(-1/sqrt(fan_in), 1/sqrt(fan_in)), drawn from the run's hash:
    each layer's weight (in x out, row by row) then its bias, all in one draw."""
    linears = [m for m in net if isinstance(m, nn.Linear)]
    sizes = [m.in_features * m.out_features + m.out_features for m in linears]
    u = draw_hashes(sum(sizes)).to(torch.float32) * 2.0**-32
    offset = 0
    with torch.no_grad():
        for m in linears:
            bound = 1.0 / m.in_features**0.5
            w = (2 * u[offset : offset + m.in_features * m.out_features] - 1) * bound
            offset += m.in_features * m.out_features
            b = (2 * u[offset : offset + m.out_features] - 1) * bound
            offset += m.out_features
            m.weight.copy_(w.view(m.in_features, m.out_features).T)
            m.bias.copy_(b)


generator = mlp(Z_DIM, N_BITS, G_HIDDEN, G_DEPTH)  # then a sigmoid: bit probabilities
discriminator = mlp(N_BITS * PACK, 1, D_HIDDEN, D_DEPTH)  # a raw score
initialise(generator)
initialise(discriminator)


def G(z):
    return torch.sigmoid(generator(z))


def D(x):
    """D's raw scores; PacGAN: PACK consecutive samples make one input."""
    return discriminator(x.reshape(-1, N_BITS * PACK))[:, 0]'''

_LOSSES_CODE = '''def g_loss(s_fake):
    if LOSS == "bce":  # the tutorial's: -log D(G(z))
        return F.softplus(-s_fake).mean()
    if LOSS == "minimax":  # log(1 - D(G(z)))
        return -F.softplus(s_fake).mean()
    if LOSS == "lsgan":
        return (0.5 * (s_fake - 1) ** 2).mean()
    return -s_fake.mean()  # wgan


def d_loss(s_real, s_fake):
    target = 1 - LABEL_SMOOTHING
    if LOSS in ("bce", "minimax"):
        real = target * F.softplus(-s_real) + LABEL_SMOOTHING * F.softplus(s_real)
        return 0.5 * (real.mean() + F.softplus(s_fake).mean())
    if LOSS == "lsgan":
        return 0.5 * (((s_real - target) ** 2).mean() + (s_fake**2).mean())
    return s_fake.mean() - s_real.mean()  # wgan'''

_TRAIN = '''def optimiser(kind, params, lr):
    if kind == "adam":
        return torch.optim.Adam(params, lr=lr, betas=BETAS)
    return torch.optim.SGD(params, lr=lr, momentum=MOMENTUM)


opt_g = optimiser(OPTIMIZER_G, generator.parameters(), LR_G)
opt_d = optimiser(OPTIMIZER_D, discriminator.parameters(), LR_D)

for step in range(1, STEPS + 1):
    z, real = draw_step()
    # (1) update G against the current D
    opt_g.zero_grad()
    fake = G(z)
    loss_g = g_loss(D(fake))
    loss_g.backward()
    opt_g.step()
    # (2) update D on the real batch and the fake batch G made before its update
    opt_d.zero_grad()
    loss_d = d_loss(D(real), D(fake.detach()))
    loss_d.backward()
    opt_d.step()
    if LOSS == "wgan":  # the critic's weights clipped to [-CLIP, CLIP]
        with torch.no_grad():
            for p in discriminator.parameters():
                p.clamp_(-CLIP, CLIP)
    if step % 100 == 0 or step == STEPS:
        print(f"step {step}: loss G {loss_g.item():.4f}, loss D {loss_d.item():.4f}")'''

_METRICS = '''def exact_metrics():
    """G's output distribution over all 2**Z_DIM noise vectors (binary noise), or 4,096
    fixed draws (uniform), each bit 1 when its probability is at least 0.5; and what
    evengan reports of it."""
    if NOISE == "binary":
        zs = to_bits(torch.arange(2**Z_DIM), Z_DIM)
    else:  # evengan's fixed evaluation draws: key 0x5EED, counter-free
        key = mix32(torch.tensor(0x5EED & MASK, dtype=torch.int64))
        h = mix32(mix32(torch.arange(4096 * Z_DIM, dtype=torch.int64) + 1) ^ key)
        zs = (h.to(torch.float32) * 2.0**-32).view(4096, Z_DIM)
    with torch.no_grad():
        bits = (G(zs) >= 0.5).to(torch.int64)
    ints = (bits * 2 ** torch.arange(N_BITS - 1, -1, -1)).sum(1)
    q = torch.bincount(ints, minlength=2**N_BITS).to(torch.float64) / len(ints)
    p = torch.zeros(2**N_BITS, dtype=torch.float64)
    for x, w in WEIGHTS.items():
        p[x] = w
    p /= p.sum()
    target = p > 0
    entropy = float(-(q[q > 0] * torch.log2(q[q > 0])).sum()) + 0.0
    m = 0.5 * (p + q)

    def kl(a):
        return float((a[a > 0] * torch.log2(a[a > 0] / m[a > 0])).sum())

    return {"step": STEPS, "coverage": float(((q > 0) & target).sum()) / len(WEIGHTS),
            "distinct": int((q > 0).sum()), "target_ratio": float(q[target].sum()),
            "even_ratio": float(q[0::2].sum()), "entropy_bits": entropy,
            "js_bits": 0.5 * kl(p) + 0.5 * kl(q)}


metrics = exact_metrics()
print(f"exact metrics after {STEPS} steps: coverage {metrics['coverage']:.3f} of the "
      f"{len(WEIGHTS)} target numbers, {metrics['distinct']} distinct numbers, "
      f"{metrics['target_ratio']:.3f} of them in the target")
print(json.dumps(metrics))'''
