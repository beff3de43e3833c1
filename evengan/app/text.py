"""Every word the dashboard shows, in English and Brazilian Portuguese."""

from __future__ import annotations

import numbers
import string

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
    "cancel": "Cancel",
    "replaying": "Replaying the link's run: {done} / {total} steps",
    "recipe_wins": "The link's settings differ from its recorded run; the recorded run is "
                   "opened.",
    "no_recipe_link": "This run came from a file without its recipe (or its recipe is too "
                      "long for a link): the link gives its settings and step count, not "
                      "everything done to it. Share the checkpoint to share it exactly.",
    "bad_recipe": "The link's recorded run was not replayed, its settings alone are used: "
                  "{error}",
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
                 "the same number are mode collapse you can see. D's push is where D would "
                 "move each bit (red towards 1, blue towards 0; the shade grows with the square "
                 "root of the push, hover for its size): with a linear D every row is pushed "
                 "the same way, whatever number it is.",
    "c_ratio": "The exact even ratio can reach 1 while coverage stays low: all even, few numbers.",
    "c_distribution": "Bars are G's exact output over every integer (blue even, red odd); the "
                      "grey bars under them are the target, uniform over the evens. Click a "
                      "bar to take its number out of the target or put it in.",
    "loss_title": "Losses",
    "g_loss": "G loss",
    "d_loss": "D loss",
    "x_step": "step",
    "heat_title": "Generated bit patterns (fixed noise)",
    "soft": "P(bit = 1)",
    "hard": "bits (≥ 0.5)",
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
    # training variants
    "variants": "Training variants",
    "loss_bce": "non-saturating BCE (tutorial)",
    "loss_minimax": "minimax (saturating)",
    "loss_lsgan": "least squares",
    "loss_wgan": "Wasserstein, clipped critic",
    "loss_wgan-gp": "Wasserstein, gradient penalty",
    "f_loss": "Loss",
    "f_d_steps": "D steps per step (k)",
    "f_g_steps": "G steps per step",
    "f_optimizer_g": "Optimizer of G",
    "f_optimizer_d": "Optimizer of D",
    "f_beta1": "Adam beta1",
    "f_beta2": "Adam beta2",
    "f_momentum": "SGD momentum",
    "f_label_smoothing": "One-sided label smoothing",
    "f_instance_noise": "Instance noise (std)",
    "f_clip": "WGAN clip",
    "f_gp_weight": "Gradient penalty weight",
    "f_r1_weight": "R1 penalty on real data",
    "f_unroll_steps": "Unrolled D steps in G's update",
    "f_d_hidden": "D hidden width (0 = linear)",
    "f_d_depth": "D hidden layers",
    "f_mbstd": "Minibatch std feature in D",
    "f_pack": "PacGAN: samples per D input",
    "f_g_hidden": "G hidden width (0 = linear)",
    "f_g_depth": "G hidden layers",
    "f_noise": "Noise kind",
    "f_noise_dim": "Noise dimension (0 = n)",
    "f_decode": "Decoding",
    "decode_opt_threshold": "threshold at 0.5 (tutorial)",
    "decode_opt_sample": "Bernoulli sampling",
    "noise_binary": "binary bits (tutorial)",
    "noise_uniform": "uniform [0, 1)",
    "noise_gaussian": "Gaussian",
    "group_loss": "Loss and steps",
    "group_opt": "Optimizers",
    "group_d": "Discriminator",
    "group_g": "Generator",
    "group_view": "Display",
    "freeze_d": "Freeze D",
    "freeze_g": "Freeze G",
    "frozen_both": "Both networks are frozen: Play trains nothing.",
    # lab views
    "view": "Lab view",
    "v_timeline": "Mode timeline",
    "v_noise": "Noise → output",
    "v_landscape": "D landscape",
    "v_gweights": "G's weights",
    "v_dynamics": "Gradients and D",
    "v_slowmo": "Slow motion",
    "v_edit": "Edit the networks",
    "c_timeline": "Each column is G's exact output distribution at one evaluation. A bright band "
                  "jumping rows is a mode hopping; dashed red lines mark detected collapses.",
    "c_noise": "Every noise vector (x) and the number it lands on (y). Many points on one row "
               "are collisions: mode collapse made visible.",
    "c_landscape": "D's output for every integer, judged as a batch of that number alone. A "
                   "linear D can only rank bits, so its favourite is an extreme pattern.",
    "c_dweights": "D's weight on each bit over time. A linear D sees only per-bit means; once "
                  "G matches them, these weights stop telling G anything.",
    "c_gweights": "G's last weight matrix. Its singular values over time: one large value and "
                  "the rest near 0 is the drift to rank one, every sample pushed the same way.",
    "c_dynamics": "Gradient norms of G and D, and D's mean verdict on real and fake batches.",
    "collapse_now": "Mode collapse since step {step}: G emits {used} of the {evens} even "
                    "numbers, about {modes} of them often (effective modes).",
    "ev_collapse": "collapse",
    "ev_recovered": "recovered",
    "timeline_off": "The mode timeline keeps G's whole distribution and is shown up to 10 bits.",
    "slowmo_button": "Slow-motion step",
    "slowmo_intro": "One training step, part by part ({mode}).",
    "slow_1": "1. Sample noise: {k} random noise vectors z (first rows shown).",
    "slow_2": "2. G's output: G turns each z into bit probabilities; read at 0.5 they are the "
              "numbers {ints}.",
    "slow_3": "3. D on the fakes: D gives them a mean score of {d_fake:.3f} {scale}.",
    "slow_4": "4. G's update: G's loss is {loss_g:.4f}; its gradient (norm {grad_g:.4f}) moves "
              "G's weights by {g_change:.5f} towards what D calls real.",
    "slow_5": "5. D on real and fake: real even numbers {real} score {d_real:.3f}, the same "
              "fakes {d_fake:.3f}.",
    "slow_6": "6. D's update: D's loss is {loss_d:.4f}; its gradient (norm {grad_d:.4f}) moves "
              "D's weights by {d_change:.5f} to tell them apart better.",
    "slow_skip": "(skipped: that network is frozen)",
    "reinit_g": "Re-initialise G",
    "reinit_d": "Re-initialise D",
    "reinit_done": "{net} has fresh weights and a fresh optimiser from step {step} on (drawn "
                   "from the run's own seed, so a link replays it).",
    "edit_net": "Network",
    "edit_layer": "Layer",
    "edit_row": "Row (input)",
    "edit_row_help": "Row {bias}, one past the last input, is the bias.",
    "edit_col": "Column (output)",
    "edit_value": "New value",
    "edit_apply": "Set weight",
    "edit_done": "Set {net} layer {layer} weight [{row}, {col}] to {value:g}.",
    "edit_bad": "Could not set that weight: {error}",
    "current_value": "current value: {value:.4f}",
    "grad_g": "|grad G|",
    "grad_d": "|grad D|",
    "d_real": "D(real)",
    "d_fake": "D(fake)",
    "bit": "bit",
    "sv": "singular value",
    "favourite": "D's favourite",
    "ensemble": "Seed ensemble",
    "ensemble_k": "Seeds in the ensemble (K)",
    "ensemble_catchup": "Training the ensemble up to step {step:,}",
    "ensemble_title": "Seed ensemble: median and quartiles of {k} other seeds",
    "m_collapse": "Collapse probability",
    "m_collapse_help": "Share of the ensemble's seeds whose exact coverage is below {t}.",
    "c_ensemble": "Lines are medians over the seeds, bands the middle half. A wide band means "
                  "the outcome depends on luck, not on the settings.",
    "ens_losses": "Ensemble losses",
    "ens_ratio": "Ensemble even ratio and coverage",
    "page_train": "Train",
    "page_sweep": "Sweep",
    "sweep_title": "Sweep: where does training work?",
    "sweep_intro": "Trains every cell of a grid of two hyperparameters, many seeds each, all "
                   "at once on the batched engine. Other settings come from the Train page.",
    "sweep_base": "Base settings: {summary}",
    "sweep_x": "First hyperparameter",
    "sweep_y": "Second hyperparameter",
    "sweep_none": "(none)",
    "sweep_values": "Values of {field} (comma-separated)",
    "sweep_seeds": "Seeds per cell",
    "sweep_steps": "Steps",
    "sweep_run": "Run sweep",
    "sweep_running": "Training {runs:,} GANs: {done:,} / {total:,} GAN-steps",
    "sweep_done": "{runs:,} GANs x {steps:,} steps in {seconds:.1f} s ({rate:,.0f} GAN-steps/s).",
    "sweep_too_big": "That sweep is {work:,} GAN-steps; the limit here is {cap:,}. Use fewer "
                     "cells, seeds or steps.",
    "sweep_bad_value": "Bad value for {field}: {error}",
    "sweep_same": "Pick two different hyperparameters.",
    "sweep_cov": "Median coverage",
    "sweep_even": "Median even ratio",
    "sweep_collapse": "Collapse probability",
    "c_sweep": "Each cell is the median over its seeds; hover to see every seed. Coverage "
               "near 1 is a healthy GAN; an even ratio of 1 alone is not.",
    "sweep_csv": "Every run, one row a seed (CSV)",
    "sweep_csv_cells": "This table, one row a cell (CSV)",
    "sweep_defaults": "the tutorial's defaults",
    "sweep_stop": "Stop (keeps what is done)",
    "sweep_partial": "This sweep was stopped: {runs:,} runs are shown, the last of them at step "
                     "{steps:,} of {of:,}.",
    "sweep_table": "Per-cell medians",
    "share_title": "Share and save",
    "share_help": "This link rebuilds the run: same settings, same seed, trained to the same "
                  "step, bit for bit.",
    "dl_checkpoint": "Download checkpoint",
    "dl_history": "Download history (CSV)",
    "dl_config": "Download config (JSON)",
    "dl_script": "Download as a PyTorch script",
    "dl_notebook": "Download as a Jupyter notebook",
    "export_no": "A plain PyTorch script cannot express this run yet ({what}).",
    "export_partial": "The script trains the current settings from step 0; this run's live "
                      "changes, hand edits and one-network steps are not in it.",
    "upload": "Load a checkpoint",
    "upload_bad": "That file was not loaded: {error}",
    "upload_done": "Checkpoint loaded: training resumes at step {step:,}.",
    "teach_title": "What is going on here? (notes for class)",
    "teach_body": (
        "**The task.** Real data are even numbers below 2^n, written in n bits. G turns n "
        "random bits into n bit probabilities; D scores how real a bit pattern looks.\n\n"
        "**Why the losses mislead.** When D cannot tell real from fake, both losses sit near "
        "ln 2 ≈ 0.693. That says D is fooled, not that G is good.\n\n"
        "**Why it collapses.** The tutorial's D is linear: it computes σ(v·x + c), so it only "
        "sees the mean of each bit. Real evens have mean 1/2 on the high bits and 0 on the "
        "last. Any G whose bit means match, even one that emits three numbers, leaves D "
        "nothing to say, so nothing pushes G towards variety.\n\n"
        "**What to look at.** Coverage (the share of the evens G emits at all) and the "
        "heatmap: rows landing on the same number are mode collapse. Then try the presets: "
        "'collapse' makes it worse, 'healthy' gives D a way to see a lack of variety "
        "(judging 4 samples at once) and coverage climbs to all the evens.\n\n"
        "**Why exact.** With n bits there are only 2^n noise vectors, so every number here is "
        "computed over all of them, not estimated from a sample."
    ),
    "marginals_title": "Bit marginals: G's mean per bit against the target",
    "c_marginals": "All a linear D sees. Once these bars match, D has nothing left to tell G, "
                   "however few numbers G emits.",
    "noise_vector": "noise vector (read as a number)",
    "count": "noise vectors per number",
    "noise_vectors": "noise vectors",
    "branch_title": "Rewind, branch and compare",
    "branch_help": "Go back to any step exactly, as a replay of the run's recipe would. "
                   "Rewind moves this branch back; Branch here keeps it and starts a new one "
                   "at that step, to change a setting and go on. Each branch has its own link.",
    "branch_pause_first": "Pause to rewind or branch.",
    "branch_no_past": "This run's past is not known (it came from a file without its "
                      "recipe, or took more than 5,000 actions), so it cannot go back.",
    "branch_train_first": "Train a few steps first: there is nothing to go back to yet.",
    "branch_step": "Go back to step",
    "branch_rewind": "Rewind this branch",
    "branch_fork": "Branch here",
    "branch_seed": "Seed",
    "branch_other_seed": "Same actions, this seed: a new branch",
    "branch_row": "{mark} **{name}** · step {step} · even {even} · coverage {coverage}",
    "branch_open": "Open",
    "branch_delete": "Delete",
    "branch_link": "Link of {name}",
    "branch_name": "Name of this branch",
    "branch_bad_name": "A branch name must be new and made of letters, digits, spaces or "
                       "- _ . + ({name} is not).",
    "branch_full": "A session keeps at most {n} branches: delete one first.",
    "branch_memory": "Another branch of this run would pass this session's {mb} MB: delete "
                     "one first.",
    "branch_working": "Going back: replaying {done} / {total} steps",
    "branch_failed": "Could not go back: {error}",
    "branch_compare": "Compare",
    "branch_pick_two": "Pick two branches or more to compare them.",
    "branch_split": "{a} and {b} part at step {step}",
    "branch_compare_title": "Branches compared",
    "branch_dist_title": "Output distributions (exact), branch by branch",
    "branch_other_numbers": "Branches with another number range are left out of the "
                            "distributions.",
    "branch_compare_caption": "Up to the dashed line the branches are one run, bit for bit; "
                              "from it, each is what its own settings made of it.",
    "c_losses_apart": "The losses are away from ln 2 (G {g}, D {d} over the last 100 steps): D "
                      "still tells real from fake. A D that keeps winning is what keeps pushing "
                      "G toward the numbers it does not emit yet.",
    "c_losses_ls": "Least-squares losses: D pushes real scores to 1 and fake ones to 0. Both "
                   "losses level off once D can no longer tell real from fake; there is no "
                   "ln 2 here, and level losses only mean D is fooled, not that G is good.",
    "c_losses_critic": "Wasserstein losses: the critic's scores are not probabilities, so "
                       "there is no ln 2 line. D's loss is minus the critic's estimate of the "
                       "distance between real and fake (plus its penalty); it rises toward 0 as "
                       "G closes the gap.",
    "m_d_critic": "critic(real) / critic(fake)",
    "m_d_help_ls": "D's mean score on the last real and fake batches. Least squares pushes "
                   "real to 1 and fake to 0 (0.5 = cannot tell); it is not a probability.",
    "m_d_help_critic": "The critic's mean score on the last real and fake batches: raw "
                       "numbers, not probabilities. The gap between them is what counts.",
    "c_landscape_prob": "D's output for every integer, judged as a batch of that number alone "
                        "(1 = real).",
    "c_landscape_ls": "D's score for every integer, judged as a batch of that number alone "
                      "(least squares: 1 = real, 0 = fake; not a probability).",
    "c_landscape_critic": "The critic's score for every integer, judged as a batch of that "
                          "number alone: higher is more real; not a probability.",
    "c_landscape_linear": "A linear D can only rank bits, so its favourite is an extreme "
                          "pattern.",
    "c_landscape_mlp": "An MLP D can score any set of numbers high: see whether it tells the "
                       "evens from the odds.",
    "dweights_linear": "D's weight on each bit",
    "dweights_mlp": "Size of D's weights on each bit",
    "c_dweights_mlp": "The size (norm) of D's first-layer weights on each bit over time. An "
                      "MLP D sees combinations of bits, not only their means, so G cannot "
                      "satisfy it by matching the means alone.",
    "scale_prob": "(1 = real)",
    "scale_ls": "(least squares: 1 = real, 0 = fake)",
    "scale_critic": "(a critic's raw score: higher is more real)",
    "m_even_est": "Even ratio (est.)",
    "m_coverage_est": "Coverage (est.)",
    "exact_ratio_est": "even ratio (estimated)",
    "coverage_est": "coverage (estimated)",
    "dist_title_est": "Output distribution (estimated from 4,096 draws)",
    "loss_axis": "loss",
    "sv_title": "Singular values of G's last layer",
    "input": "input",
    "preset_name_tutorial": "tutorial",
    "preset_name_collapse": "collapse",
    "preset_name_healthy": "healthy",
    "preset_name_minimax": "minimax",
    "preset_name_wgan-gp": "wgan-gp",
    "intro_est": "A generator G turns random numbers into numbers; a discriminator D tries to "
                 "tell them from real even numbers. With this noise the metrics are estimated "
                 "from 4,096 fixed draws; with binary noise every one is exact.",
    "c_ratio_est": "The estimated even ratio can reach 1 while coverage stays low: all even, "
                   "few numbers.",
    "c_distribution_est": "Bars are G's output over every integer, estimated from 4,096 fixed "
                          "draws (blue even, red odd); the grey bars under them are the "
                          "target, uniform over the evens. Click a bar to take its number out "
                          "of the target or put it in.",
    "c_dynamics_critic": "Gradient norms of G and D, and the critic's mean score on real and "
                         "fake batches (raw numbers, not probabilities).",
    "favourite_critic": "critic's favourite",
    "c_marginals_mlp": "The per-bit means of G against the target. A linear D sees only these; "
                       "this MLP D sees combinations of bits too, so matching them is not "
                       "enough to satisfy it.",
    "slowmo_help": "Press the button: the run takes one step, and each of its six parts is told "
                   "with the numbers it used (the noise, G's fakes, D's verdicts, both updates).",
    "mode_both": "G and D",
    "mode_g": "G only",
    "mode_d": "D only",
    "no_steps": "No steps yet: press Step, Run N steps or Play",
    "push": "D's push",
    # Lessons
    "page_lessons": "Lessons",
    "lessons_title": "Lessons",
    "lessons_intro": "Each lesson is a few steps for class: every step loads its own run, says "
                     "what to do and where to look, and asks a question. A step's link opens "
                     "the same run for everyone. The claims are measured, and tested over "
                     "fixed seeds.",
    "lesson_length": "{n} steps · about {m} min",
    "lesson_start": "Start this lesson",
    "lesson_where": "Lesson {i}: {title} · step {k} of {n}",
    "lesson_look": "Look at: {chart} (outlined below).",
    "look_losses": "the loss chart",
    "look_ratio": "the even-ratio chart",
    "look_heatmap": "the bits heatmap",
    "look_distribution": "the output distribution",
    "look_reach": "what a one-layer G can reach",
    "lesson_question": "Question:",
    "lesson_answer": "Answer",
    "lesson_back": "Back",
    "lesson_next": "Next",
    "lesson_link": "Link to this step",
    "lesson_link_help": "Anyone who opens it gets this step, with its run as it starts.",
    "lesson_leave": "Leave the lesson",
    "lesson_refused": "This step's run was not opened: {error}",
    "lesson_file_bad": "A lesson file was left out: {error}",
    "lesson_waiting": "Another tab is preparing this step's run; it opens here in a moment.",
    "fig_missing": "This figure has not been computed here (python -m evengan lesson-figures "
                   "--write).",
    "fig_paths": "Paths to the target: G's mean of b6 against D's weight on it",
    "fig_g_axis": "G's mean of b6",
    "fig_d_axis": "D's weight on b6",
    "fig_distance": "JS to target (bits)",
    "fig_paths_caption": "Each panel is one run of the tutorial's settings (seed 0, 4,000 "
                         "steps), the dots coloured from purple (start) to yellow (end); the "
                         "cross is the target: b6 on half the time, and nothing left for D "
                         "to see. Below, each run's exact JS distance to the target.",
    "conv_plain": "plain",
    "conv_noise": "instance noise 1.0",
    "conv_r1": "R1 = 1",
    "conv_wgan1": "WGAN, 1 D step",
    "conv_wgan5": "WGAN, 5 D steps",
    "fig_packing": "Packing: share of modes captured, ours and the paper's",
    "fig_linear": "linear D (ours)",
    "fig_mlp": "MLP D, {w} units (ours)",
    "fig_paper_grid": "paper: grid of 25",
    "fig_paper_ring": "paper: ring of 8",
    "fig_pack_x": "pack degree (samples D judges at once)",
    "fig_share_y": "share of modes captured",
    "fig_caption_packing": "Ours: evens captured of 64, mean ± standard error over {seeds} "
                           "seeds, {steps} steps each, trained together by the batched sweep. "
                           "The paper's: modes of 2-D Gaussian mixtures captured by GAN and "
                           "PacGAN2-4 (Lin et al. 2018).",
    "fig_unrolling": "Unrolling: evens captured",
    "fig_mean_se": "mean ± standard error",
    "fig_seed": "one seed",
    "fig_unroll_x": "unrolled D steps in G's update",
    "fig_evens_y": "evens captured (of 64)",
    "fig_caption_unrolling": "{seeds} seeds per setting, {steps} steps each: an MLP G against "
                             "an MLP D, learning rates 0.01, Adam's beta1 0.5.",
    "fig_seeds": "One config, many seeds: {k} of {n} collapse (95 % interval {lo} to {hi})",
    "fig_collapse_line": "collapse line",
    "fig_band": "95 % interval",
    "fig_estimate": "collapse probability so far",
    "fig_p": "P(collapse)",
    "fig_seed_x": "seed",
    "fig_n_x": "seeds run",
    "fig_caption_seeds": "The same settings (D an MLP of 4 units) on {seeds} seeds, {steps} "
                         "steps each. Below: the collapse probability estimated from the first "
                         "n seeds, with Wilson's 95 % interval; one run tells you almost "
                         "nothing.",
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
    "play": "Iniciar",
    "pause": "Pausar",
    "reset": "Zerar",
    "run_n": "Rodar N passos",
    "n_steps": "N",
    "running": "Treinando {done} / {total} passos",
    "cancel": "Cancelar",
    "replaying": "Refazendo o treino do link: {done} / {total} passos",
    "recipe_wins": "As configurações do link diferem do treino gravado; abre-se o treino "
                   "gravado.",
    "no_recipe_link": "Este treino veio de um arquivo sem a sua receita (ou ela é longa demais "
                      "para um link): o link traz as configurações e o passo, não tudo o que "
                      "foi feito. Compartilhe o checkpoint para compartilhá-lo exatamente.",
    "bad_recipe": "O treino gravado no link não foi refeito; valem só as configurações: "
                  "{error}",
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
    "cap_reached": "Esta sessão chegou ao limite de {cap:,} passos. Clique em Zerar.",
    "c_losses": "As duas perdas se aproximam de ln 2 quando D não distingue mais real de falso. "
                "Isso só quer dizer que D foi enganado, não que G é bom.",
    "c_heatmap": "Cada linha é um vetor de ruído fixo, o mesmo em todo passo. Linhas que caem "
                 "no mesmo número são o colapso de modo à vista. O empurrão de D é para onde D "
                 "moveria cada bit (vermelho rumo a 1, azul rumo a 0; o tom cresce com a raiz "
                 "quadrada do empurrão, passe o mouse para ver o valor): com um D linear toda "
                 "linha é empurrada do mesmo jeito, seja qual for o número.",
    "c_ratio": "A taxa exata de pares pode chegar a 1 com cobertura baixa: tudo par, poucos "
               "números.",
    "c_distribution": "As barras são a saída exata de G sobre cada inteiro (azul par, vermelho "
                      "ímpar); as barras cinza por baixo são o alvo, uniforme sobre os pares. "
                      "Clique numa barra para tirar o número do alvo ou pô-lo nele.",
    "loss_title": "Perdas",
    "g_loss": "perda de G",
    "d_loss": "perda de D",
    "x_step": "passo",
    "heat_title": "Padrões de bits gerados (ruído fixo)",
    "soft": "P(bit = 1)",
    "hard": "bits (≥ 0,5)",
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
    "variants": "Variantes de treino",
    "f_loss": "Perda",
    "loss_bce": "BCE não saturante (tutor.)",
    "loss_minimax": "minimax (saturante)",
    "loss_lsgan": "mínimos quadrados",
    "loss_wgan": "Wasserstein, crítico cortado",
    "loss_wgan-gp": "Wasserstein, penalidade de gradiente",
    "f_d_steps": "Passos de D por passo (k)",
    "f_g_steps": "Passos de G por passo",
    "f_optimizer_g": "Otimizador de G",
    "f_optimizer_d": "Otimizador de D",
    "f_beta1": "beta1 do Adam",
    "f_beta2": "beta2 do Adam",
    "f_momentum": "Momento do SGD",
    "f_label_smoothing": "Suavização de rótulo unilateral",
    "f_instance_noise": "Ruído de instância (desvio)",
    "f_clip": "Corte do WGAN",
    "f_gp_weight": "Peso da penalidade de gradiente",
    "f_r1_weight": "Penalidade R1 nos dados reais",
    "f_unroll_steps": "Passos de D desenrolados no passo de G",
    "f_d_hidden": "Largura oculta de D (0 = linear)",
    "f_d_depth": "Camadas ocultas de D",
    "f_mbstd": "Desvio do minilote como entrada de D",
    "f_pack": "PacGAN: amostras por entrada de D",
    "f_g_hidden": "Largura oculta de G (0 = linear)",
    "f_g_depth": "Camadas ocultas de G",
    "f_noise": "Tipo de ruído",
    "f_noise_dim": "Dimensão do ruído (0 = n)",
    "f_decode": "Decodificação",
    "decode_opt_threshold": "limiar em 0,5 (tutorial)",
    "decode_opt_sample": "sorteio de Bernoulli",
    "noise_binary": "bits binários (tutorial)",
    "noise_uniform": "uniforme [0, 1)",
    "noise_gaussian": "gaussiano",
    "group_loss": "Perda e passos",
    "group_opt": "Otimizadores",
    "group_d": "Discriminador",
    "group_g": "Gerador",
    "group_view": "Exibição",
    "freeze_d": "Congelar D",
    "freeze_g": "Congelar G",
    "frozen_both": "As duas redes estão congeladas: Treinar não muda nada.",
    "view": "Visão do laboratório",
    "v_timeline": "Linha do tempo dos modos",
    "v_noise": "Ruído → saída",
    "v_landscape": "Paisagem de D",
    "v_gweights": "Pesos de G",
    "v_dynamics": "Gradientes e D",
    "v_slowmo": "Câmera lenta",
    "v_edit": "Editar as redes",
    "c_timeline": "Cada coluna é a distribuição exata de saída de G numa avaliação. Uma faixa "
                  "clara que pula de linha é um modo saltando; linhas vermelhas tracejadas "
                  "marcam colapsos detectados.",
    "c_noise": "Cada vetor de ruído (x) e o número em que ele cai (y). Muitos pontos numa "
               "linha são colisões: o colapso de modo à vista.",
    "c_landscape": "A saída de D para cada inteiro, julgado como um lote só daquele número. Um "
                   "D linear só ordena bits, então seu favorito é um padrão extremo.",
    "c_dweights": "O peso de D em cada bit ao longo do tempo. Um D linear só vê as médias por "
                  "bit; quando G as acerta, esses pesos não dizem mais nada a G.",
    "c_gweights": "A última matriz de pesos de G. Seus valores singulares no tempo: um valor "
                  "grande e o resto perto de 0 é a deriva para posto um.",
    "c_dynamics": "Normas dos gradientes de G e D, e o veredito médio de D nos lotes real e "
                  "falso.",
    "collapse_now": "Colapso de modo desde o passo {step}: G emite {used} dos {evens} números "
                    "pares, cerca de {modes} deles com frequência (modos efetivos).",
    "ev_collapse": "colapso",
    "ev_recovered": "recuperado",
    "timeline_off": "A linha do tempo guarda a distribuição inteira de G e aparece até 10 bits.",
    "slowmo_button": "Passo em câmera lenta",
    "slowmo_intro": "Um passo de treino, parte por parte ({mode}).",
    "slow_1": "1. Sortear ruído: {k} vetores de ruído z aleatórios (primeiras linhas).",
    "slow_2": "2. Saída de G: G transforma cada z em probabilidades de bits; lidas em 0,5 são "
              "os números {ints}.",
    "slow_3": "3. D nos falsos: D dá a eles nota média {d_fake:.3f} {scale}.",
    "slow_4": "4. Atualização de G: a perda de G é {loss_g:.4f}; seu gradiente (norma "
              "{grad_g:.4f}) move os pesos de G em {g_change:.5f} rumo ao que D chama de real.",
    "slow_5": "5. D no real e no falso: pares reais {real} recebem {d_real:.3f}, os mesmos "
              "falsos {d_fake:.3f}.",
    "slow_6": "6. Atualização de D: a perda de D é {loss_d:.4f}; seu gradiente (norma "
              "{grad_d:.4f}) move os pesos de D em {d_change:.5f} para separá-los melhor.",
    "slow_skip": "(pulado: essa rede está congelada)",
    "reinit_g": "Reinicializar G",
    "reinit_d": "Reinicializar D",
    "reinit_done": "{net} tem pesos e otimizador novos a partir do passo {step} (sorteados "
                   "da própria semente do treino, então um link os refaz).",
    "edit_net": "Rede",
    "edit_layer": "Camada",
    "edit_row": "Linha (entrada)",
    "edit_row_help": "A linha {bias}, depois da última entrada, é o viés.",
    "edit_col": "Coluna (saída)",
    "edit_value": "Novo valor",
    "edit_apply": "Definir peso",
    "edit_done": "Peso [{row}, {col}] da camada {layer} de {net} definido como {value:g}.",
    "edit_bad": "Não foi possível definir esse peso: {error}",
    "current_value": "valor atual: {value:.4f}",
    "grad_g": "|grad G|",
    "grad_d": "|grad D|",
    "d_real": "D(real)",
    "d_fake": "D(falso)",
    "bit": "bit",
    "sv": "valor singular",
    "favourite": "favorito de D",
    "ensemble": "Conjunto de sementes",
    "ensemble_k": "Sementes no conjunto (K)",
    "ensemble_catchup": "Treinando o conjunto até o passo {step:,}",
    "ensemble_title": "Conjunto de sementes: mediana e quartis de {k} outras sementes",
    "m_collapse": "Probabilidade de colapso",
    "m_collapse_help": "Fração das sementes do conjunto com cobertura exata abaixo de {t}.",
    "c_ensemble": "Linhas são medianas sobre as sementes, faixas a metade do meio. Uma faixa "
                  "larga quer dizer que o resultado depende da sorte, não dos ajustes.",
    "ens_losses": "Perdas do conjunto",
    "ens_ratio": "Taxa de pares e cobertura do conjunto",
    "page_train": "Treinar",
    "page_sweep": "Varredura",
    "sweep_title": "Varredura: onde o treino funciona?",
    "sweep_intro": "Treina cada célula de uma grade de dois hiperparâmetros, com várias "
                   "sementes cada, tudo de uma vez no motor em lote. Os outros ajustes vêm da "
                   "página Treinar.",
    "sweep_base": "Ajustes de base: {summary}",
    "sweep_x": "Primeiro hiperparâmetro",
    "sweep_y": "Segundo hiperparâmetro",
    "sweep_none": "(nenhum)",
    "sweep_values": "Valores de {field} (separados por vírgula)",
    "sweep_seeds": "Sementes por célula",
    "sweep_steps": "Passos",
    "sweep_run": "Rodar varredura",
    "sweep_running": "Treinando {runs:,} GANs: {done:,} / {total:,} passos-GAN",
    "sweep_done": "{runs:,} GANs x {steps:,} passos em {seconds:.1f} s ({rate:,.0f} "
                  "passos-GAN/s).",
    "sweep_too_big": "Essa varredura tem {work:,} passos-GAN; o limite aqui é {cap:,}. Use "
                     "menos células, sementes ou passos.",
    "sweep_bad_value": "Valor inválido para {field}: {error}",
    "sweep_same": "Escolha dois hiperparâmetros diferentes.",
    "sweep_cov": "Cobertura mediana",
    "sweep_even": "Taxa de pares mediana",
    "sweep_collapse": "Probabilidade de colapso",
    "c_sweep": "Cada célula é a mediana das suas sementes; passe o mouse para ver cada "
               "semente. Cobertura perto de 1 é uma GAN saudável; taxa de pares 1 sozinha não.",
    "sweep_csv": "Cada treino, uma linha por semente (CSV)",
    "sweep_csv_cells": "Esta tabela, uma linha por célula (CSV)",
    "sweep_defaults": "os padrões do tutorial",
    "sweep_stop": "Parar (guarda o que foi feito)",
    "sweep_partial": "Esta varredura foi parada: {runs:,} treinos aparecem, os últimos no passo "
                     "{steps:,} de {of:,}.",
    "sweep_table": "Medianas por célula",
    "share_title": "Compartilhar e salvar",
    "share_help": "Este link reconstrói o treino: mesmos ajustes, mesma semente, treinado até o "
                  "mesmo passo, bit a bit.",
    "dl_checkpoint": "Baixar checkpoint",
    "dl_history": "Baixar histórico (CSV)",
    "dl_config": "Baixar configuração (JSON)",
    "dl_script": "Baixar como script PyTorch",
    "dl_notebook": "Baixar como notebook Jupyter",
    "export_no": "Um script PyTorch simples ainda não expressa este treino ({what}).",
    "export_partial": "O script treina os ajustes atuais desde o passo 0; as mudanças ao vivo, "
                      "edições à mão e passos de uma rede só deste treino não estão nele.",
    "upload": "Carregar um checkpoint",
    "upload_bad": "O arquivo não foi carregado: {error}",
    "upload_done": "Checkpoint carregado: o treino continua no passo {step:,}.",
    "teach_title": "O que está acontecendo aqui? (notas para a aula)",
    "teach_body": (
        "**A tarefa.** Os dados reais são números pares abaixo de 2^n, escritos em n bits. G "
        "transforma n bits aleatórios em n probabilidades de bit; D dá uma nota a quão real "
        "um padrão de bits parece.\n\n"
        "**Por que as perdas enganam.** Quando D não distingue real de falso, as duas perdas "
        "ficam perto de ln 2 ≈ 0,693. Isso diz que D foi enganado, não que G é bom.\n\n"
        "**Por que colapsa.** O D do tutorial é linear: calcula σ(v·x + c), então só enxerga "
        "a média de cada bit. Pares reais têm média 1/2 nos bits altos e 0 no último. "
        "Qualquer G cujas médias batem, mesmo um que emite três números, deixa D sem nada a "
        "dizer, e nada empurra G para a variedade.\n\n"
        "**O que olhar.** A cobertura (a fração dos pares que G chega a emitir) e o mapa de "
        "calor: linhas que caem no mesmo número são colapso de modo. Depois teste as "
        "predefinições: 'collapse' piora, 'healthy' dá a D um jeito de ver a falta de "
        "variedade (julgando 4 amostras de uma vez) e a cobertura sobe até todos os pares.\n\n"
        "**Por que exato.** Com n bits há só 2^n vetores de ruído, então cada número aqui é "
        "calculado sobre todos eles, não estimado por amostra."
    ),
    "preset_tutorial": "Os ajustes exatos do tutorial: G e D lineares, perda BCE, Adam a "
                       "1e-3, lote 16. As perdas se aproximam de ln 2 e quase tudo sai par, "
                       "mas G emite só um punhado dos 64 pares.",
    "preset_collapse": "Um G maior (uma MLP) piora: ele aprende a mandar todo vetor de ruído "
                       "para um ou dois pares. D julga uma amostra por vez, então um único "
                       "número convincente basta a G.",
    "preset_healthy": "A correção: D é uma MLP que julga 4 amostras de uma vez (PacGAN), então "
                      "um lote de sósias entrega G, e G recebe 10 bits de ruído para 7 bits de "
                      "saída. A cobertura sobe até todos os 64 pares.",
    "preset_minimax": "A perda original, saturante: G minimiza log(1 - D(G(z))). Enquanto D "
                      "está seguro, o gradiente de G quase some; compare a norma do gradiente "
                      "de G com a do tutorial.",
    "preset_wgan-gp": "Um crítico de Wasserstein com penalidade de gradiente, treinado 3 vezes "
                      "por passo de G. As perdas não ficam mais perto de ln 2: o que cai é a "
                      "distância do crítico entre real e falso.",
    "marginals_title": "Marginais dos bits: a média de G por bit contra o alvo",
    "c_marginals": "Tudo o que um D linear enxerga. Quando estas barras batem, D não tem mais "
                   "nada a dizer a G, por menos números que G emita.",
    "noise_vector": "vetor de ruído (lido como número)",
    "count": "vetores de ruído por número",
    "noise_vectors": "vetores de ruído",
    "branch_title": "Voltar, ramificar e comparar",
    "branch_help": "Volte a qualquer passo, exatamente como o replay da receita do treino "
                   "faria. Voltar leva este ramo para trás; Ramificar aqui o mantém e começa "
                   "um ramo novo naquele passo, para mudar um ajuste e seguir. Cada ramo tem "
                   "o seu link.",
    "branch_pause_first": "Pause para voltar ou ramificar.",
    "branch_no_past": "O passado deste treino é desconhecido (veio de um arquivo sem a "
                      "receita, ou passou de 5.000 ações), então ele não pode voltar.",
    "branch_train_first": "Treine alguns passos antes: ainda não há para onde voltar.",
    "branch_step": "Voltar ao passo",
    "branch_rewind": "Voltar este ramo",
    "branch_fork": "Ramificar aqui",
    "branch_seed": "Semente",
    "branch_other_seed": "Mesmas ações, esta semente: um ramo novo",
    "branch_row": "{mark} **{name}** · passo {step} · pares {even} · cobertura {coverage}",
    "branch_open": "Abrir",
    "branch_delete": "Apagar",
    "branch_link": "Link de {name}",
    "branch_name": "Nome deste ramo",
    "branch_bad_name": "O nome de um ramo deve ser novo e feito de letras, dígitos, espaços "
                       "ou - _ . + ({name} não é).",
    "branch_full": "Uma sessão guarda no máximo {n} ramos: apague um antes.",
    "branch_memory": "Mais um ramo deste treino passaria dos {mb} MB desta sessão: apague um "
                     "antes.",
    "branch_working": "Voltando: refazendo {done} / {total} passos",
    "branch_failed": "Não foi possível voltar: {error}",
    "branch_compare": "Comparar",
    "branch_pick_two": "Escolha dois ramos ou mais para compará-los.",
    "branch_split": "{a} e {b} se separam no passo {step}",
    "branch_compare_title": "Ramos comparados",
    "branch_dist_title": "Distribuições de saída (exatas), ramo a ramo",
    "branch_other_numbers": "Ramos com outra faixa de números ficam fora das distribuições.",
    "branch_compare_caption": "Até a linha tracejada os ramos são um só treino, bit a bit; "
                              "dali em diante, cada um é o que seus ajustes fizeram dele.",
    "c_losses_apart": "As perdas estão longe de ln 2 (G {g}, D {d} nos últimos 100 passos): D "
                      "ainda distingue real de falso. Um D que segue ganhando é o que empurra G "
                      "para os números que ele ainda não emite.",
    "c_losses_ls": "Perdas de mínimos quadrados: D empurra as notas reais para 1 e as falsas "
                   "para 0. As duas perdas se estabilizam quando D não distingue mais real de "
                   "falso; aqui não há ln 2, e perdas estáveis só querem dizer que D foi "
                   "enganado, não que G é bom.",
    "c_losses_critic": "Perdas de Wasserstein: as notas do crítico não são probabilidades, "
                       "então não há linha de ln 2. A perda de D é menos a estimativa do "
                       "crítico da distância entre real e falso (mais a penalidade); ela sobe "
                       "rumo a 0 conforme G fecha a distância.",
    "m_d_critic": "crítico(real) / crítico(falso)",
    "m_d_help_ls": "Nota média de D nos últimos lotes real e falso. Mínimos quadrados empurram "
                   "o real para 1 e o falso para 0 (0,5 = não distingue); não é uma "
                   "probabilidade.",
    "m_d_help_critic": "Nota média do crítico nos últimos lotes real e falso: números brutos, "
                       "não probabilidades. O que conta é a distância entre elas.",
    "c_landscape_prob": "A saída de D para cada inteiro, julgado como um lote só daquele número "
                        "(1 = real).",
    "c_landscape_ls": "A nota de D para cada inteiro, julgado como um lote só daquele número "
                      "(mínimos quadrados: 1 = real, 0 = falso; não é probabilidade).",
    "c_landscape_critic": "A nota do crítico para cada inteiro, julgado como um lote só "
                          "daquele número: maior é mais real; não é probabilidade.",
    "c_landscape_linear": "Um D linear só ordena bits, então seu favorito é um padrão extremo.",
    "c_landscape_mlp": "Um D MLP pode dar nota alta a qualquer conjunto de números: veja se ele "
                       "separa os pares dos ímpares.",
    "dweights_linear": "Peso de D em cada bit",
    "dweights_mlp": "Tamanho dos pesos de D em cada bit",
    "c_dweights_mlp": "O tamanho (norma) dos pesos da primeira camada de D em cada bit ao "
                      "longo do tempo. Um D MLP vê combinações de bits, não só as médias, então "
                      "G não o satisfaz só acertando as médias.",
    "scale_prob": "(1 = real)",
    "scale_ls": "(mínimos quadrados: 1 = real, 0 = falso)",
    "scale_critic": "(nota bruta do crítico: maior é mais real)",
    "m_even_est": "Taxa de pares (estim.)",
    "m_coverage_est": "Cobertura (estim.)",
    "exact_ratio_est": "taxa de pares (estimada)",
    "coverage_est": "cobertura (estimada)",
    "dist_title_est": "Distribuição de saída (estimada com 4.096 sorteios)",
    "loss_axis": "perda",
    "sv_title": "Valores singulares da última camada de G",
    "input": "entrada",
    "preset_name_tutorial": "tutorial",
    "preset_name_collapse": "colapso",
    "preset_name_healthy": "saudável",
    "preset_name_minimax": "minimax",
    "preset_name_wgan-gp": "wgan-gp",
    "intro_est": "Um gerador G transforma números aleatórios em números; um discriminador D "
                 "tenta distingui-los de números pares reais. Com este ruído as métricas são "
                 "estimadas com 4.096 sorteios fixos; com ruído binário todas são exatas.",
    "c_ratio_est": "A taxa estimada de pares pode chegar a 1 com cobertura baixa: tudo par, "
                   "poucos números.",
    "c_distribution_est": "As barras são a saída de G sobre cada inteiro, estimada com 4.096 "
                          "sorteios fixos (azul par, vermelho ímpar); as barras cinza por baixo "
                          "são o alvo, uniforme sobre os pares. Clique numa barra para tirar o "
                          "número do alvo ou pô-lo nele.",
    "c_dynamics_critic": "Normas dos gradientes de G e D, e a nota média do crítico nos lotes "
                         "real e falso (números brutos, não probabilidades).",
    "favourite_critic": "favorito do crítico",
    "c_marginals_mlp": "As médias por bit de G contra o alvo. Um D linear só vê estas; este D "
                       "MLP vê também combinações de bits, então acertá-las não basta para "
                       "satisfazê-lo.",
    "slowmo_help": "Clique no botão: o treino dá um passo, e cada uma das seis partes é contada "
                   "com os números que usou (o ruído, os falsos de G, os vereditos de D, as "
                   "duas atualizações).",
    "mode_both": "G e D",
    "mode_g": "só G",
    "mode_d": "só D",
    "no_steps": "Nenhum passo ainda: clique em Passo, Rodar N passos ou Iniciar",
    "push": "empurrão de D",
    # Aulas
    "page_lessons": "Aulas",
    "lessons_title": "Aulas",
    "lessons_intro": "Cada aula tem alguns passos para a turma: cada passo carrega o seu "
                     "próprio treino, diz o que fazer e para onde olhar, e faz uma pergunta. "
                     "O link de um passo abre o mesmo treino para todos. As afirmações são "
                     "medidas e testadas com sementes fixas.",
    "lesson_length": "{n} passos · cerca de {m} min",
    "lesson_start": "Começar esta aula",
    "lesson_where": "Aula {i}: {title} · passo {k} de {n}",
    "lesson_look": "Olhe: {chart} (destacado abaixo).",
    "look_losses": "o gráfico das perdas",
    "look_ratio": "o gráfico da razão de pares",
    "look_heatmap": "o mapa de calor dos bits",
    "look_distribution": "a distribuição da saída",
    "look_reach": "até onde chega um G de uma camada",
    "lesson_question": "Pergunta:",
    "lesson_answer": "Resposta",
    "lesson_back": "Voltar",
    "lesson_next": "Avançar",
    "lesson_link": "Link deste passo",
    "lesson_link_help": "Quem abrir recebe este passo, com o treino como ele começa.",
    "lesson_leave": "Sair da aula",
    "lesson_refused": "O treino deste passo não foi aberto: {error}",
    "lesson_file_bad": "Um arquivo de aula ficou de fora: {error}",
    "lesson_waiting": "Outra aba está preparando o treino deste passo; ele abre aqui em instantes.",
    "fig_missing": "Esta figura não foi calculada aqui (python -m evengan lesson-figures "
                   "--write).",
    "fig_paths": "Caminhos até o alvo: média de b6 em G contra o peso de D em b6",
    "fig_g_axis": "média de b6 em G",
    "fig_d_axis": "peso de D em b6",
    "fig_distance": "JS até o alvo (bits)",
    "fig_paths_caption": "Cada painel é um treino com os ajustes do tutorial (semente 0, "
                         "4.000 passos), os pontos do roxo (início) ao amarelo (fim); a cruz é "
                         "o alvo: b6 ligado metade das vezes, e nada mais para D ver. Abaixo, a "
                         "distância JS exata de cada treino até o alvo.",
    "conv_plain": "comum",
    "conv_noise": "ruído de instância 1,0",
    "conv_r1": "R1 = 1",
    "conv_wgan1": "WGAN, 1 passo de D",
    "conv_wgan5": "WGAN, 5 passos de D",
    "fig_packing": "Empacotamento: fração dos modos capturados, nossa e do artigo",
    "fig_linear": "D linear (nosso)",
    "fig_mlp": "D MLP, {w} unidades (nosso)",
    "fig_paper_grid": "artigo: grade de 25",
    "fig_paper_ring": "artigo: anel de 8",
    "fig_pack_x": "grau de empacotamento (amostras que D julga juntas)",
    "fig_share_y": "fração dos modos capturados",
    "fig_caption_packing": "Nosso: pares capturados de 64, média ± erro padrão em {seeds} "
                           "sementes, {steps} passos cada, treinadas juntas pela varredura em "
                           "lote. O do artigo: modos de misturas gaussianas 2-D capturados por "
                           "GAN e PacGAN2-4 (Lin et al. 2018).",
    "fig_unrolling": "Desenrolar: pares capturados",
    "fig_mean_se": "média ± erro padrão",
    "fig_seed": "uma semente",
    "fig_unroll_x": "passos de D desenrolados no passo de G",
    "fig_evens_y": "pares capturados (de 64)",
    "fig_caption_unrolling": "{seeds} sementes por ajuste, {steps} passos cada: um G MLP contra "
                             "um D MLP, taxas de aprendizado 0,01, beta1 do Adam 0,5.",
    "fig_seeds": "Um ajuste, muitas sementes: {k} de {n} colapsam (intervalo de 95 % de {lo} "
                 "a {hi})",
    "fig_collapse_line": "linha de colapso",
    "fig_band": "intervalo de 95 %",
    "fig_estimate": "probabilidade de colapso até aqui",
    "fig_p": "P(colapso)",
    "fig_seed_x": "semente",
    "fig_n_x": "sementes rodadas",
    "fig_caption_seeds": "Os mesmos ajustes (um D MLP de 4 unidades) em {seeds} sementes, "
                         "{steps} passos cada. Abaixo: a probabilidade de colapso estimada "
                         "pelas n primeiras sementes, com o intervalo de 95 % de Wilson; um "
                         "treino só não diz quase nada.",
}


def _preset_blurbs() -> dict[str, str]:
    from ..presets import PRESETS  # English blurbs live beside the presets themselves

    return {f"preset_{name}": p.blurb for name, p in PRESETS.items()}


_EN.update(_preset_blurbs())

# Words for a target other than the evens (evengan.target): the page's "_t" forms of its keys.
_EN.update({
    "intro_t": "A generator G turns random bits into numbers; a discriminator D tries to tell "
               "them from real numbers of the target, {name}. Every metric here is exact: all "
               "noise vectors go through G.",
    "intro_t_est": "A generator G turns random numbers into numbers; a discriminator D tries "
                   "to tell them from real numbers of the target, {name}. With this noise the "
                   "metrics are estimated from 4,096 fixed draws; with binary noise every one "
                   "is exact.",
    "f_target": "Target (the real numbers)",
    "target_help": "Which integers are real, and how often. Pick one, type one (even, odd, "
                   "multiples:K, range:A-B, primes, set:1,5,9, or weighted set:1=2,5=1), or "
                   "click bars on the output-distribution chart to put numbers in or take "
                   "them out.",
    "target_type": "Or type a target",
    "heat_member": "target",
    "heat_in": "in",
    "heat_out": "out",
    "target_bad": "Target not changed: {error}",
    "tgt_even": "even numbers (the tutorial)",
    "tgt_odd": "odd numbers",
    "tgt_multiples": "multiples of {k}",
    "tgt_range": "{a} to {b}",
    "tgt_primes": "primes",
    "tgt_set": "your set: {spec}",
    "target_now": "Target: {name}, {size} numbers below {upper}.",
    "m_entropy_help_t": "Entropy of G's output in bits; after the slash, the target's own.",
    "m_even_t": "In-target ratio (exact)",
    "m_even_t_est": "In-target ratio (est.)",
    "m_even_help_t": "Share of G's outputs that are target numbers, over every noise vector.",
    "m_coverage_help_t": "Share of the target's numbers G emits at all. Low coverage is mode "
                         "collapse.",
    "ratio_title_t": "In-target ratio and coverage",
    "batch_ratio_t": "in-target ratio (batch, noisy)",
    "exact_ratio_t": "in-target ratio (exact)",
    "exact_ratio_t_est": "in-target ratio (estimated)",
    "c_ratio_t": "The exact in-target ratio can reach 1 while coverage stays low: all in the "
                 "target, few numbers.",
    "c_ratio_t_est": "The estimated in-target ratio can reach 1 while coverage stays low: all "
                     "in the target, few numbers.",
    "c_distribution_t": "Bars are G's exact output over every integer (blue in the target, red "
                        "outside it); the grey bars under them are the target p. Click a bar "
                        "to take its number out of the target or put it in.",
    "c_distribution_t_est": "Bars are G's output over every integer, estimated from 4,096 "
                            "fixed draws (blue in the target, red outside it); the grey bars "
                            "under them are the target p. Click a bar to take its number out "
                            "of the target or put it in.",
    "collapse_now_t": "Mode collapse since step {step}: G emits {used} of the {evens} target "
                      "numbers, about {modes} of them often (effective modes).",
    "branch_row_t": "{mark} **{name}** · step {step} · in target {even} · coverage {coverage}",
    "reach_title": "What a one-layer G can reach",
    "reach_intro": "The tutorial's G thresholds one linear map of the noise: each output bit "
                   "is its own function of the noise. Bits that were independent would emit "
                   "a subcube (all numbers matching a pattern such as `1*0*00`); it stays in the "
                   "target only on a subcube the target holds. Multiples of 4 are one subcube; "
                   "no two multiples of 3 differ in one bit.",
    "reach_exact": "Independent fair bits (exact): at most {k} of the {size} target numbers "
                   "without leaving the target.",
    "reach_no_exact": "Above {bits} bits the subcubes are not enumerated.",
    "reach_measure": "Measure the tutorial's G over {seeds} seeds",
    "reach_running": "Training {seeds} linear Gs for {steps} steps each…",
    "reach_stop": "Stop",
    "reach_chart": "Coverage against in-target ratio",
    "reach_toast": "Measuring the tutorial's G: the progress bar and Stop are at the top of "
                   "the page.",
    "reach_measured": "The tutorial's G, {seeds} seeds × {steps} steps against a D of {units} "
                      "units judging pairs: best coverage {best}; {clean} of {seeds} seeds stay "
                      "in the target (in-target ratio ≥ {bar}), the best of them covering "
                      "{best_clean}; median in-target ratio {ratio}.",
    "reach_measured_none": "The tutorial's G, {seeds} seeds × {steps} steps against a D of "
                           "{units} units judging pairs: best coverage {best}, but no seed "
                           "stays in the target (in-target ratio ≥ {bar}); median in-target "
                           "ratio {ratio}.",
    "reach_waiting": "Another tab is measuring this target; its figures appear here when it "
                     "is done.",
    "sweep_even_t": "Median in-target ratio",
    "ens_ratio_t": "Ensemble in-target ratio and coverage",
    "reach_frontier": "independent fair bits (exact)",
    "reach_seeds": "the tutorial's G, a dot a seed",
    "reach_run": "this run now",
    "reach_x": "coverage of the target",
    "reach_y": "in-target ratio",
    "c_reach": "Top right is a G that covers the whole target and never leaves it. The dotted "
               "staircase is the best that independent bits do; the dots are what the "
               "tutorial's G reached, trained against a strong D.",
})
_PT.update({
    "intro_t": "Um gerador G transforma bits aleatórios em números; um discriminador D tenta "
               "distingui-los de números reais do alvo, {name}. Toda métrica aqui é exata: "
               "todos os vetores de ruído passam por G.",
    "intro_t_est": "Um gerador G transforma números aleatórios em números; um discriminador D "
                   "tenta distingui-los de números reais do alvo, {name}. Com este ruído as "
                   "métricas são estimadas com 4.096 sorteios fixos; com ruído binário todas "
                   "são exatas.",
    "f_target": "Alvo (os números reais)",
    "target_help": "Quais inteiros são reais, e com que frequência. Escolha um, digite um "
                   "(even, odd, multiples:K, range:A-B, primes, set:1,5,9, ou com pesos "
                   "set:1=2,5=1), ou clique nas barras do gráfico da distribuição de saída "
                   "para pôr números ou tirá-los.",
    "target_type": "Ou digite um alvo",
    "heat_member": "alvo",
    "heat_in": "no alvo",
    "heat_out": "fora",
    "target_bad": "Alvo não mudou: {error}",
    "tgt_even": "números pares (o tutorial)",
    "tgt_odd": "números ímpares",
    "tgt_multiples": "múltiplos de {k}",
    "tgt_range": "de {a} a {b}",
    "tgt_primes": "primos",
    "tgt_set": "seu conjunto: {spec}",
    "target_now": "Alvo: {name}, {size} números abaixo de {upper}.",
    "m_entropy_help_t": "Entropia da saída de G em bits; depois da barra, a do próprio alvo.",
    "m_even_t": "Taxa no alvo (exata)",
    "m_even_t_est": "Taxa no alvo (estim.)",
    "m_even_help_t": "Fração das saídas de G que são números do alvo, sobre todos os vetores "
                     "de ruído.",
    "m_coverage_help_t": "Fração dos números do alvo que G chega a emitir. Cobertura baixa é "
                         "colapso de modo.",
    "ratio_title_t": "Taxa no alvo e cobertura",
    "batch_ratio_t": "taxa no alvo (lote, ruidosa)",
    "exact_ratio_t": "taxa no alvo (exata)",
    "exact_ratio_t_est": "taxa no alvo (estimada)",
    "c_ratio_t": "A taxa exata no alvo pode chegar a 1 com cobertura baixa: tudo no alvo, "
                 "poucos números.",
    "c_ratio_t_est": "A taxa estimada no alvo pode chegar a 1 com cobertura baixa: tudo no "
                     "alvo, poucos números.",
    "c_distribution_t": "As barras são a saída exata de G sobre cada inteiro (azul no alvo, "
                        "vermelho fora dele); as barras cinza por baixo são o alvo p. Clique "
                        "numa barra para tirar o número do alvo ou pô-lo nele.",
    "c_distribution_t_est": "As barras são a saída de G sobre cada inteiro, estimada com 4.096 "
                            "sorteios fixos (azul no alvo, vermelho fora dele); as barras "
                            "cinza por baixo são o alvo p. Clique numa barra para tirar o número "
                            "do alvo ou pô-lo nele.",
    "collapse_now_t": "Colapso de modo desde o passo {step}: G emite {used} dos {evens} números "
                      "do alvo, cerca de {modes} deles com frequência (modos efetivos).",
    "branch_row_t": "{mark} **{name}** · passo {step} · no alvo {even} · cobertura {coverage}",
    "reach_title": "Até onde chega um G de uma camada",
    "reach_intro": "O G do tutorial aplica um limiar a um mapa linear do ruído: cada bit de "
                   "saída é uma função própria do ruído. Bits independentes emitiriam um "
                   "subcubo (todos os números que seguem um padrão como `1*0*00`); ele só fica "
                   "no alvo num subcubo contido no alvo. Os múltiplos de 4 são um subcubo; "
                   "nenhum par de múltiplos de 3 difere em um bit só.",
    "reach_exact": "Bits independentes e justos (exato): no máximo {k} dos {size} números do "
                   "alvo sem sair do alvo.",
    "reach_no_exact": "Acima de {bits} bits os subcubos não são enumerados.",
    "reach_measure": "Medir o G do tutorial em {seeds} sementes",
    "reach_running": "Treinando {seeds} Gs lineares por {steps} passos cada…",
    "reach_stop": "Parar",
    "reach_chart": "Cobertura contra taxa no alvo",
    "reach_toast": "Medindo o G do tutorial: a barra de progresso e o Parar estão no alto da "
                   "página.",
    "reach_measured": "O G do tutorial, {seeds} sementes × {steps} passos contra um D de "
                      "{units} unidades que julga duplas: melhor cobertura {best}; {clean} de "
                      "{seeds} sementes ficam no alvo (taxa no alvo ≥ {bar}), a melhor delas "
                      "cobrindo {best_clean}; taxa no alvo mediana {ratio}.",
    "reach_measured_none": "O G do tutorial, {seeds} sementes × {steps} passos contra um D de "
                           "{units} unidades que julga duplas: melhor cobertura {best}, mas "
                           "nenhuma semente fica no alvo (taxa no alvo ≥ {bar}); taxa no alvo "
                           "mediana {ratio}.",
    "reach_waiting": "Outra aba está medindo este alvo; os números aparecem aqui quando ela "
                     "terminar.",
    "sweep_even_t": "Taxa no alvo mediana",
    "ens_ratio_t": "Taxa no alvo e cobertura do conjunto",
    "reach_frontier": "bits independentes e justos (exato)",
    "reach_seeds": "o G do tutorial, um ponto por semente",
    "reach_run": "este treino agora",
    "reach_x": "cobertura do alvo",
    "reach_y": "taxa no alvo",
    "c_reach": "No canto de cima à direita está um G que cobre o alvo inteiro sem nunca sair "
               "dele. A escada pontilhada é o melhor que bits independentes fazem; os pontos "
               "são o que o G do tutorial alcançou, treinado contra um D forte.",
})
STRINGS = {"en": _EN, "pt": _PT}


class _Numbers(string.Formatter):
    """Fills {placeholders} with numbers written the language's way: 1.234,5 in pt-BR."""

    def __init__(self, lang: str):
        self.swap = lang in DECIMAL_COMMA

    def format_field(self, value, format_spec: str) -> str:
        text = super().format_field(value, format_spec)
        numeric = isinstance(value, numbers.Number) and not isinstance(value, bool)
        return text.translate(_SWAP) if self.swap and numeric else text


DECIMAL_COMMA = {"pt"}  # languages that write 0,5 and 1.000
_SWAP = str.maketrans(",.", ".,")


def number(lang: str, value: float, spec: str = "") -> str:
    """A number as the language writes it: number("pt", 1234.5, ",.1f") is "1.234,5"."""
    return _Numbers(lang).format_field(value, spec)


def translate(lang: str, key: str, **values) -> str:
    """The text for key in lang (English where a key is missing), with {placeholders} filled
    and numbers written the language's way."""
    table = STRINGS.get(lang, _EN)
    text = table.get(key, _EN.get(key, key))
    return _Numbers(lang).format(text, **values) if values else text


def plain(value: object) -> str:
    """Text from a link, a file or a typing user, made safe to show inside Markdown: a code
    span, where nothing is markup (no link, image, emphasis or HTML, and no bare URL or
    address turned into a link), its own backticks swapped for look-alikes, lines joined."""
    text = " ".join(str(value).split()).replace("`", "\u02cb")
    return f"`{text}`" if text else ""
