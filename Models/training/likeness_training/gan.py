"""Training a Likeness generator: one loop for one process or many (torchrun + DistributedDataParallel).

The same code runs as `python train.py …` (one process) and as `torchrun --nproc_per_node K train.py …`
or across machines (`--nnodes`, `--rdzv-endpoint`): each process draws its own share of the global batch
(`--batch` images in all, split evenly), gradients are averaged by DDP (gloo on CPUs, NCCL on GPUs), so
every replica holds the same weights after every step. Rank 0 writes the log, the samples and the
checkpoints.

A checkpoint holds everything needed to continue exactly: generator, EMA, discriminator, both
optimisers, the adaptive augmentation state, every rank's RNG states (torch, numpy, python), the step,
images seen, the minutes trained and the list of legs (one per sitting: minutes, steps, images seen,
processes, device). `--resume` continues from it; log lines written after the checkpoint (a run killed
between two checkpoints) are dropped so the log reads as one run.
"""
from __future__ import annotations

import copy
import csv
import json
import math
import gc
import os
import platform
import random
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
import torch.distributed as dist
import torch.nn.functional as F
from PIL import Image

from .diffaugment import diff_augment
from .fastgan import AdaptiveAugment, DiscriminatorV2, GeneratorV2
from .models import Discriminator, Generator, count_generator_flops

CHECKPOINT = "checkpoint.pt"
LOG = "log.jsonl"


class TrainingError(Exception):
    """Bad input for a run (missing crops, a checkpoint that does not match the recipe)."""


# MARK: - Data


def load_crops(crops: Path, size: int) -> tuple[torch.Tensor, list[dict]]:
    """All crops listed in crops/manifest.csv, resized to size x size: uint8 [N, 3, size, size]."""
    manifest = crops / "manifest.csv"
    if not manifest.is_file():
        raise TrainingError(f"{manifest} not found; run prepare.py first (make crops)")
    with manifest.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    if not rows:
        raise TrainingError(f"{manifest} lists no crops")
    images = []
    for row in rows:
        with Image.open(crops / f"{row['face_id']}.png") as image:
            image = image.convert("RGB")
            if image.size != (size, size):
                image = image.resize((size, size), Image.Resampling.LANCZOS)
            images.append(np.asarray(image).transpose(2, 0, 1).copy())
    return torch.from_numpy(np.stack(images)), rows


def save_grid(images: torch.Tensor, path: Path, columns: int = 8) -> None:
    """images [N, 3, H, W] in [-1, 1] -> one PNG grid."""
    n, _, h, w = images.shape
    rows = math.ceil(n / columns)
    array = ((images.float().clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8).permute(0, 2, 3, 1).cpu().numpy()
    grid = np.zeros((rows * h, columns * w, 3), dtype=np.uint8)
    for i in range(n):
        r, c = divmod(i, columns)
        grid[r * h:(r + 1) * h, c * w:(c + 1) * w] = array[i]
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(grid).save(path)


@torch.no_grad()
def update_ema(ema: torch.nn.Module, model: torch.nn.Module, decay: float) -> None:
    for e, p in zip(ema.parameters(), model.parameters()):
        e.lerp_(p, 1 - decay)
    for e, b in zip(ema.buffers(), model.buffers()):
        e.copy_(b)


def ema_decay(step: int, decay: float) -> float:
    """Copy the weights for the first 100 steps, 0.99 until 500, then `decay`."""
    return decay if step > 500 else 0.0 if step < 100 else 0.99


# MARK: - Models


def build_models(config: dict) -> tuple[torch.nn.Module, torch.nn.Module]:
    """(generator, discriminator) for a recipe (`arch` v1 or v2)."""
    if config["arch"] == "v1":
        return (Generator(config["z_dim"], config["size"], config["g_base"]),
                Discriminator(config["size"], config["d_base"], norm=config["d_norm"],
                              minibatch_std=not config["no_minibatch_std"]))
    if config["arch"] == "v2":
        return (GeneratorV2(config["z_dim"], config["size"], config["g_base"]),
                DiscriminatorV2(config["size"], config["d_base"]))
    raise TrainingError(f"unknown architecture '{config['arch']}' (v1, v2)")


def build_generator(config: dict) -> torch.nn.Module:
    return build_models(config)[0]


def describe_architecture(config: dict) -> str:
    if config["arch"] == "v1":
        return ("DCGAN-style ConvTranspose+BN+ReLU generator with 3x3 refinement convs up to 32x32 "
                f"and FastGAN skip-layer excitation; DCGAN discriminator with {config['d_norm']} norm; "
                f"{'without' if config['no_minibatch_std'] else 'with'} minibatch-stddev; {config['loss']} loss; "
                f"DiffAugment ({config['augment']}); x-flip of real crops; EMA generator")
    return ("FastGAN-style generator: nearest x2 + 3x3 conv + BN + GLU per doubling (no transposed convolution "
            "past 4x4), skip-layer excitation 8->64 and 16->128; discriminator of strided convs with BN and a "
            "self-supervised reconstruction decoder on its 8x8 features (L1 to the real image at 64x64); "
            f"{config['loss']} loss; DiffAugment ({config['augment']}) at an adaptive probability (ADA, target "
            f"r_t {config['ada_target']}); x-flip of real crops; EMA generator")


# MARK: - Distributed


@dataclass
class Replica:
    """Where this process stands in a (possibly one-process) run."""
    rank: int = 0
    world: int = 1
    local_rank: int = 0
    device: torch.device = field(default_factory=lambda: torch.device("cpu"))

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    @property
    def distributed(self) -> bool:
        return self.world > 1


def start_replica(device_name: str) -> Replica:
    """Join the process group when launched by torchrun (WORLD_SIZE > 1), else a single replica."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    if device_name == "auto":
        device_name = "cuda" if torch.cuda.is_available() else "cpu"
    device = torch.device(f"cuda:{local_rank}" if device_name == "cuda" else device_name)
    if device.type == "cuda":
        torch.cuda.set_device(device)
    if world > 1:
        dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
    return Replica(rank, world, local_rank, device)


def slim_checkpoint(source: Path, target: Path) -> None:
    """A checkpoint small enough for git (under 30 MB): all --resume needs but the optimisers' moments (Adam
    rebuilds them in a few hundred steps), with the EMA in bfloat16. The full one stays in the run's folder."""
    state = torch.load(source, weights_only=False)
    state.pop("opt_g", None)
    state.pop("opt_d", None)
    state["ema"] = {k: v.to(torch.bfloat16) if v.is_floating_point() else v for k, v in state["ema"].items()}
    target.parent.mkdir(parents=True, exist_ok=True)
    torch.save(state, target)


def stop_replica(replica: Replica) -> None:
    """Leave the process group, after the DDP wrappers that use it are gone (collected first)."""
    if replica.distributed and dist.is_initialized():
        gc.collect()
        dist.destroy_process_group()


def rng_state() -> dict:
    state = {"torch": torch.get_rng_state(), "numpy": np.random.get_state(), "python": random.getstate()}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict) -> None:
    torch.set_rng_state(state["torch"])
    np.random.set_state(state["numpy"])
    random.setstate(state["python"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def gather(replica: Replica, value):
    """Every rank's value, in rank order (a list of one without a process group)."""
    if not replica.distributed:
        return [value]
    values = [None] * replica.world
    dist.all_gather_object(values, value)
    return values


# MARK: - Log


def read_log(path: Path) -> list[dict]:
    """The records of a run's log.jsonl (an unfinished last line, from a kill, is skipped)."""
    if not path.is_file():
        return []
    records = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return records


def truncate_log(path: Path, step: int) -> None:
    """Drop the records after `step` (written after the checkpoint a resumed run starts from)."""
    records = [r for r in read_log(path) if r.get("step", 0) <= step]
    tmp = path.with_suffix(".tmp")
    tmp.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    os.replace(tmp, path)


# MARK: - The loop


def resolve_device_label(device: torch.device) -> str:
    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    return f"cpu ({platform.processor() or platform.machine()}, {torch.get_num_threads()} threads)"


def train(args) -> int:
    """Run (or continue) a training run as described by the parsed arguments of train.py."""
    replica = start_replica(args.device)
    try:
        result = _train(args, replica)
        # A finished run's replicas leave together: none tears down gloo's threads while another still talks to
        # it (under load that ended in "terminate called without an active exception", SIGABRT). Not on an
        # error: a barrier would wait for a replica that is gone.
        if replica.distributed and dist.is_initialized():
            dist.barrier()
        return result
    finally:
        stop_replica(replica)


def _train(args, replica: Replica) -> int:
    device = replica.device
    if args.threads:
        torch.set_num_threads(args.threads)
    if args.batch % replica.world:
        raise TrainingError(f"--batch {args.batch} does not split evenly over {replica.world} processes")
    local_batch = args.batch // replica.world
    out: Path = args.out
    checkpoint_path = out / CHECKPOINT
    out.mkdir(parents=True, exist_ok=True)

    config = {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()}
    state = None
    if args.resume:
        if not checkpoint_path.is_file():
            raise TrainingError(f"--resume but {checkpoint_path} does not exist")
        state = torch.load(checkpoint_path, map_location="cpu", weights_only=False)
        recipe = state["config"]
        for key in ("arch", "size", "z_dim", "g_base", "d_base", "batch", "loss", "augment"):
            if recipe.get(key) != config.get(key) and key in recipe:
                # The recipe belongs to the checkpoint: a resumed run keeps it whatever the flags say.
                config[key] = recipe[key]
        for key in ("arch", "size", "z_dim", "g_base", "d_base", "batch", "lr_g", "lr_d", "beta1", "beta2", "ema",
                    "loss", "augment", "ada_target", "ada_images", "recon_weight", "d_norm", "no_minibatch_std",
                    "seed", "precision", "channels_last", "fused_adam", "compile"):
            if key in recipe:
                config[key] = recipe[key]
        local_batch = config["batch"] // replica.world
        if config["batch"] % replica.world:
            raise TrainingError(f"the checkpoint's batch {config['batch']} does not split over {replica.world} processes")

    torch.manual_seed(config["seed"] + replica.rank)
    np.random.seed(config["seed"] + replica.rank)
    random.seed(config["seed"] + replica.rank)

    data, rows = load_crops(Path(args.crops), config["size"])
    data = data.to(device)
    # The same initial weights on every replica: built from one seed, then rank 0's broadcast by DDP.
    torch.manual_seed(config["seed"])
    gen, disc = build_models(config)
    torch.manual_seed(config["seed"] + replica.rank)
    gen, disc = gen.to(device), disc.to(device)
    memory_format = torch.channels_last if config.get("channels_last") else torch.contiguous_format
    gen, disc = gen.to(memory_format=memory_format), disc.to(memory_format=memory_format)
    ema = copy.deepcopy(gen).eval()
    for p in ema.parameters():
        p.requires_grad_(False)
    fused = bool(config.get("fused_adam")) or None
    opt_g = torch.optim.Adam(gen.parameters(), lr=config["lr_g"], betas=(config["beta1"], config["beta2"]), fused=fused)
    opt_d = torch.optim.Adam(disc.parameters(), lr=config["lr_d"], betas=(config["beta1"], config["beta2"]), fused=fused)
    ada = AdaptiveAugment(target=config["ada_target"], speed_images=config["ada_images"],
                          p=config.get("ada_start", 0.0))

    step, images_seen, trained_seconds, legs = 0, 0, 0.0, []
    if state is not None:
        gen.load_state_dict(state["generator"])
        disc.load_state_dict(state["discriminator"])
        ema.load_state_dict(state["ema"])
        if "opt_g" in state:
            opt_g.load_state_dict(state["opt_g"])
            opt_d.load_state_dict(state["opt_d"])
        elif replica.rank == 0:
            print("train: a slim checkpoint (make save-run): the optimisers start afresh, so this leg does not repeat "
                  "an uninterrupted run's losses exactly", flush=True)
        ada.load_state_dict(state["ada"])
        step, images_seen = state["step"], state["images_seen"]
        trained_seconds, legs = state["elapsed_seconds"], list(state.get("legs", []))
        ranks = state["rng"]
        if len(ranks) == replica.world:
            set_rng_state(ranks[replica.rank])
        elif replica.is_main:
            print(f"train: the checkpoint was written by {len(ranks)} processes, this run has {replica.world}: "
                  "continuing with fresh random streams (weights, optimisers and augmentation are exact)", flush=True)
        if replica.is_main:
            truncate_log(out / LOG, step)
            print(f"train: resumed at step {step} ({trained_seconds / 60:.1f} min trained, {images_seen} images seen)",
                  flush=True)

    if replica.distributed:
        from torch.nn.parallel import DistributedDataParallel as DDP
        ids = [device.index] if device.type == "cuda" else None
        # Buffers (batch-norm statistics) follow rank 0's at every forward, so replicas stay identical.
        gen_train = DDP(gen, device_ids=ids)
        disc_train = DDP(disc, device_ids=ids)
    else:
        gen_train, disc_train = gen, disc

    if config.get("compile"):
        gen_train, disc_train = torch.compile(gen_train), torch.compile(disc_train)
    autocast = config.get("precision") == "bf16"

    def run(module, *inputs, **kwargs):
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=autocast):
            return module(*inputs, **kwargs)

    config.update({
        "device": str(device), "torch": torch.__version__, "cpu": platform.processor() or platform.machine(),
        "cpu_threads": torch.get_num_threads(), "processes": replica.world, "crops": len(rows),
        "generator_gflop_per_frame": count_generator_flops(copy.deepcopy(gen).float().to("cpu")),
        "generator_parameters": sum(p.numel() for p in gen.parameters()),
        "discriminator_parameters": sum(p.numel() for p in disc.parameters()),
        "architecture": describe_architecture(config),
    })
    if replica.is_main:
        (out / "config.json").write_text(json.dumps(config, indent=2))
        print(f"train: {len(rows)} crops at {config['size']}x{config['size']}, {config['arch']}, "
              f"{replica.world} process(es) x {local_batch} images on {resolve_device_label(device)}", flush=True)

    fixed_z = torch.randn(64, config["z_dim"], generator=torch.Generator().manual_seed(1234)).to(device)
    leg_started = time.monotonic()
    leg_start_step, leg_start_images = step, images_seen
    last_checkpoint = time.monotonic()
    window_start, window_steps = time.monotonic(), 0
    log = (out / LOG).open("a", encoding="utf-8") if replica.is_main else None

    def leg_record() -> dict:
        return {"minutes": round((time.monotonic() - leg_started) / 60, 2), "steps": step - leg_start_step,
                "images_seen": images_seen - leg_start_images, "until_step": step, "processes": replica.world,
                "device": resolve_device_label(device), "precision": config.get("precision", "fp32"),
                "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - (time.monotonic() - leg_started)))}

    def save_checkpoint() -> None:
        ranks = gather(replica, rng_state())
        if not replica.is_main:
            return
        tmp = checkpoint_path.with_suffix(".tmp")
        torch.save({
            "generator": gen.state_dict(), "discriminator": disc.state_dict(), "ema": ema.state_dict(),
            "opt_g": opt_g.state_dict(), "opt_d": opt_d.state_dict(), "ada": ada.state_dict(),
            "rng": ranks, "step": step, "images_seen": images_seen,
            "elapsed_seconds": trained_seconds + time.monotonic() - leg_started,
            "legs": legs + [leg_record()], "config": config,
        }, tmp)
        os.replace(tmp, checkpoint_path)  # atomic: a kill never leaves a half-written checkpoint

    def time_is_up() -> bool:
        up = time.monotonic() - leg_started >= args.minutes * 60
        if replica.distributed:  # every replica must stop at the same step
            flag = torch.tensor([1.0 if up else 0.0])
            dist.all_reduce(flag, op=dist.ReduceOp.MAX)
            up = bool(flag.item())
        return up

    v2 = config["arch"] == "v2"
    hinge = config["loss"] == "hinge"
    while step < args.steps and not time_is_up():
        index = torch.randint(0, data.shape[0], (local_batch,), device=device)
        real = data[index].float() / 127.5 - 1
        flip = torch.rand(local_batch, device=device) < 0.5
        real = torch.where(flip.view(-1, 1, 1, 1), real.flip(3), real).contiguous(memory_format=memory_format)
        p_aug = ada.p if v2 else 1.0

        # Discriminator step.
        z = torch.randn(local_batch, config["z_dim"], device=device)
        with torch.no_grad():
            fake = run(gen, z).float()
        real_aug = diff_augment(real, config["augment"], p_aug)
        if v2:
            d_real, redraw = run(disc_train, real_aug, reconstruct=True)
            d_real = d_real.float()
            recon = F.l1_loss(redraw.float(), F.adaptive_avg_pool2d(real_aug, redraw.shape[-1]))
        else:
            d_real, recon = run(disc_train, real_aug).float(), torch.zeros(())
        d_fake = run(disc_train, diff_augment(fake, config["augment"], p_aug)).float()
        if hinge:
            loss_d = F.relu(1 - d_real).mean() + F.relu(1 + d_fake).mean()
        else:
            loss_d = F.softplus(-d_real).mean() + F.softplus(d_fake).mean()
        opt_d.zero_grad(set_to_none=True)
        (loss_d + config["recon_weight"] * recon).backward()
        opt_d.step()
        if v2:
            signs = torch.stack([torch.sign(d_real.detach()).sum(), torch.tensor(float(d_real.numel()))])
            if replica.distributed:
                dist.all_reduce(signs)
            ada.observe(float(signs[0]), int(signs[1]), config["batch"])

        # Generator step. The discriminator runs unwrapped: its gradients here are never used, so they
        # are not averaged across replicas (and its decoder, unused here, does not stall DDP).
        z = torch.randn(local_batch, config["z_dim"], device=device)
        d_gen = run(disc, diff_augment(run(gen_train, z).float(), config["augment"], p_aug)).float()
        loss_g = -d_gen.mean() if hinge else F.softplus(-d_gen).mean()
        opt_g.zero_grad(set_to_none=True)
        loss_g.backward()
        opt_g.step()
        update_ema(ema, gen, ema_decay(step, config["ema"]))

        step += 1
        images_seen += config["batch"]
        window_steps += 1
        if log is not None and step % args.log_every == 0:
            now = time.monotonic()
            record = {
                "step": step, "minutes": round((trained_seconds + now - leg_started) / 60, 2),
                "loss_d": round(loss_d.item(), 6), "loss_g": round(loss_g.item(), 6),
                "d_real": round(d_real.mean().item(), 6), "d_fake": round(d_fake.mean().item(), 6),
                "recon": round(float(recon), 6), "augment_p": round(ada.p if v2 else 1.0, 4),
                "seconds_per_step": round((now - window_start) / window_steps, 4),
                "images_per_second": round(window_steps * config["batch"] / max(1e-9, now - window_start), 2),
                "images_seen": images_seen,
            }
            log.write(json.dumps(record) + "\n")
            log.flush()
            print(json.dumps(record), flush=True)
            window_start, window_steps = now, 0
        if replica.is_main and step % args.sample_every == 0:
            write_samples(ema, fixed_z, out / "samples" / f"step-{step:06d}.png")
        due = (args.checkpoint_steps and step % args.checkpoint_steps == 0) or \
            time.monotonic() - last_checkpoint > args.checkpoint_minutes * 60
        if replica.distributed:  # every replica joins the gather in save_checkpoint at the same step
            flag = torch.tensor([1.0 if due else 0.0])
            dist.all_reduce(flag, op=dist.ReduceOp.MAX)
            due = bool(flag.item())
        if due:
            save_checkpoint()
            last_checkpoint = time.monotonic()

    save_checkpoint()
    digests = gather(replica, weights_digest(gen, ema, disc))
    if len(set(digests)) != 1:
        raise TrainingError(f"replicas disagree on the generator's weights: {digests}")
    if replica.is_main:
        if replica.distributed:
            print(f"train: {replica.world} replicas hold identical weights (digest {digests[0]})", flush=True)
        write_samples(ema, fixed_z, out / "samples" / f"step-{step:06d}.png")
        print(f"train: done at step {step} ({images_seen} images seen), this leg "
              f"{(time.monotonic() - leg_started) / 60:.1f} min; checkpoint {checkpoint_path}", flush=True)
        log.close()
    return 0


def weights_digest(*modules: torch.nn.Module) -> str:
    """A SHA-256 of every parameter, in order: equal digests mean equal weights, bit for bit. Batch-norm
    running statistics are left out: each replica updates them from its own images after DDP broadcasts
    rank 0's, they never enter a training step, and export recomputes them."""
    import hashlib
    digest = hashlib.sha256()
    for module in modules:
        for name, tensor in module.named_parameters():
            digest.update(name.encode())
            digest.update(tensor.detach().float().cpu().contiguous().numpy().tobytes())
    return digest.hexdigest()[:16]


@torch.no_grad()
def write_samples(ema: torch.nn.Module, z: torch.Tensor, path: Path) -> None:
    ema.train()  # batch statistics for the grid; export recalibrates BN properly
    save_grid(ema(z), path)
    ema.eval()
