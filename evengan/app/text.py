"""Every word the dashboard shows, in English and Brazilian Portuguese."""

from __future__ import annotations

LANGUAGES = {"en": "English", "pt": "Português (Brasil)"}

_EN = {
    "title": "evengan: watch a GAN learn even numbers, and watch it collapse",
    "intro": (
        "A generator G turns random bits into numbers; a discriminator D tries to tell them "
        "from real even numbers. Every metric here is exact: all noise vectors go through G."
    ),
    "step": "Step",
    "step_d": "Step D",
    "step_g": "Step G",
    "play": "Play",
    "pause": "Pause",
    "reset": "Reset",
    "run_n": "Run N steps",
    "n_steps": "N",
    "running": "Training {done} / {total} steps",
    "m_step": "Step",
    "m_even": "Even ratio (exact)",
    "m_coverage": "Coverage (exact)",
    "m_entropy": "Entropy (bits)",
    "m_d": "D(real) / D(fake)",
    "m_even_help": "Share of G's outputs that are even, over every noise vector.",
    "m_coverage_help": "Share of the even numbers G emits at all. Low coverage is mode collapse.",
    "m_entropy_help": "Entropy of G's output in bits; the target is n - 1 bits.",
    "m_d_help": "D's mean verdict on the last real and fake batches (0.5 = cannot tell).",
    "sidebar_title": "Hyperparameters",
    "preset": "Preset",
    "n_bits": "Bits (n)",
    "batch_size": "Batch size",
    "lr_g": "Learning rate of G",
    "lr_d": "Learning rate of D",
    "seed": "Seed",
    "steps_per_tick": "Steps per tick while playing",
    "smoothing": "Loss smoothing",
    "reset_notice": "{field} changed: new networks, training restarted at step 0.",
    "bad_config": "These settings do not fit together: {error}",
    "bad_query": "Ignored the link's value for {field}: {error}",
    "diverged": "Paused: {message}",
    "cap_reached": "This session reached its limit of {cap:,} steps. Press Reset to start over.",
    "c_losses": "Both losses settle near ln 2 when D can no longer tell real from fake. That "
                "only means D is fooled, not that G is good.",
    "c_heatmap": "Each row is one fixed noise vector, the same at every step. Rows landing on "
                 "the same number are mode collapse you can see.",
    "c_ratio": "The exact even ratio can reach 1 while coverage stays low: all even, few numbers.",
    "c_distribution": "Bars are G's exact output over every integer (blue even, red odd); the "
                      "dotted line is the target, uniform over the evens.",
    "loss_title": "Losses",
    "g_loss": "G loss",
    "d_loss": "D loss",
    "x_step": "step",
    "heat_title": "Generated bit patterns (fixed noise)",
    "soft": "G(z): probability of 1",
    "hard": "bits (≥ 0.5 is 1)",
    "parity": "parity",
    "even": "even",
    "odd": "odd",
    "ratio_title": "Even ratio and coverage",
    "batch_ratio": "even ratio (batch, noisy)",
    "exact_ratio": "even ratio (exact)",
    "coverage": "coverage (exact)",
    "dist_title": "Output distribution (exact)",
    "q": "G's output q",
    "target": "target p",
    "integer": "integer",
    "exact_over": "Exact over all {k} noise vectors.",
    "estimated_over": "Estimated on a fixed set of {k} noise draws (this noise kind cannot be "
                      "enumerated).",
    "decode_threshold": "Decoding: each bit is 1 when G's probability is at least 0.5.",
    "decode_sample": "Decoding: each bit is drawn as Bernoulli(G's probability).",
    "language": "Language",
}

_PT = {
    "title": "evengan: veja uma GAN aprender números pares, e veja ela colapsar",
    "intro": (
        "Um gerador G transforma bits aleatórios em números; um discriminador D tenta "
        "distingui-los de números pares reais. Toda métrica aqui é exata: todos os vetores de "
        "ruído passam por G."
    ),
    "step": "Passo",
    "step_d": "Passo D",
    "step_g": "Passo G",
    "play": "Treinar",
    "pause": "Pausar",
    "reset": "Reiniciar",
    "run_n": "Rodar N passos",
    "n_steps": "N",
    "running": "Treinando {done} / {total} passos",
    "m_step": "Passo",
    "m_even": "Taxa de pares (exata)",
    "m_coverage": "Cobertura (exata)",
    "m_entropy": "Entropia (bits)",
    "m_d": "D(real) / D(falso)",
    "m_even_help": "Fração das saídas de G que são pares, sobre todos os vetores de ruído.",
    "m_coverage_help": "Fração dos números pares que G chega a emitir. Cobertura baixa é "
                       "colapso de modo.",
    "m_entropy_help": "Entropia da saída de G em bits; o alvo é n - 1 bits.",
    "m_d_help": "Veredito médio de D nos últimos lotes real e falso (0,5 = não distingue).",
    "sidebar_title": "Hiperparâmetros",
    "preset": "Predefinição",
    "n_bits": "Bits (n)",
    "batch_size": "Tamanho do lote",
    "lr_g": "Taxa de aprendizado de G",
    "lr_d": "Taxa de aprendizado de D",
    "seed": "Semente",
    "steps_per_tick": "Passos por atualização",
    "smoothing": "Suavização das perdas",
    "reset_notice": "{field} mudou: redes novas, treino reiniciado no passo 0.",
    "bad_config": "Estes ajustes não combinam: {error}",
    "bad_query": "Valor do link ignorado para {field}: {error}",
    "diverged": "Pausado: {message}",
    "cap_reached": "Esta sessão chegou ao limite de {cap:,} passos. Clique em Reiniciar.",
    "c_losses": "As duas perdas se aproximam de ln 2 quando D não distingue mais real de falso. "
                "Isso só quer dizer que D foi enganado, não que G é bom.",
    "c_heatmap": "Cada linha é um vetor de ruído fixo, o mesmo em todo passo. Linhas que caem "
                 "no mesmo número são o colapso de modo à vista.",
    "c_ratio": "A taxa exata de pares pode chegar a 1 com cobertura baixa: tudo par, poucos "
               "números.",
    "c_distribution": "As barras são a saída exata de G sobre cada inteiro (azul par, vermelho "
                      "ímpar); a linha pontilhada é o alvo, uniforme sobre os pares.",
    "loss_title": "Perdas",
    "g_loss": "perda de G",
    "d_loss": "perda de D",
    "x_step": "passo",
    "heat_title": "Padrões de bits gerados (ruído fixo)",
    "soft": "G(z): probabilidade de 1",
    "hard": "bits (≥ 0,5 é 1)",
    "parity": "paridade",
    "even": "par",
    "odd": "ímpar",
    "ratio_title": "Taxa de pares e cobertura",
    "batch_ratio": "taxa de pares (lote, ruidosa)",
    "exact_ratio": "taxa de pares (exata)",
    "coverage": "cobertura (exata)",
    "dist_title": "Distribuição de saída (exata)",
    "q": "saída q de G",
    "target": "alvo p",
    "integer": "inteiro",
    "exact_over": "Exato sobre todos os {k} vetores de ruído.",
    "estimated_over": "Estimado num conjunto fixo de {k} sorteios de ruído (este tipo de ruído "
                      "não pode ser enumerado).",
    "decode_threshold": "Decodificação: cada bit é 1 quando a probabilidade de G é ao menos 0,5.",
    "decode_sample": "Decodificação: cada bit é sorteado como Bernoulli(probabilidade de G).",
    "language": "Idioma",
}

STRINGS = {"en": _EN, "pt": _PT}


def translate(lang: str, key: str, **values) -> str:
    """The text for key in lang (English where a key is missing), with {placeholders} filled."""
    table = STRINGS.get(lang, _EN)
    text = table.get(key, _EN.get(key, key))
    return text.format(**values) if values else text
