"""The Likeness generator and discriminator.

Generator: a DCGAN-style stack (Radford et al. 2016) of stride-2 transposed convolutions with
batch normalisation and ReLU, one 3x3 refinement convolution at the low resolutions, and
FastGAN's skip-layer excitation (Liu et al. 2021): a low-resolution feature map gates the channels
of a high-resolution one, which carries global structure (pose, palette) to the fine layers cheaply.
Every operator exports to plain ONNX that the Likeness engine runs: ConvTranspose, Conv,
BatchNormalization, Relu, LeakyRelu, AveragePool, Sigmoid, Mul, Tanh.

Discriminator: a DCGAN discriminator with spectral normalisation on every layer (Miyato et al.
2018), trained with the hinge loss and DiffAugment (Zhao et al. 2020), which is what keeps it
from memorising a set of about 1,200 images.
"""
from __future__ import annotations

import torch
from torch import nn
from torch.nn.utils import spectral_norm


def default_widths(size: int, base: int = 512) -> dict[int, int]:
    """Channels per resolution: `base` at 4x4, halved per doubling, at least 16."""
    widths, res, ch = {}, 4, base
    while res <= size:
        widths[res] = max(16, ch)
        res, ch = res * 2, ch // 2
    return widths


class SkipLayerExcitation(nn.Module):
    """Gate the channels of a large feature map with a summary of a small one (FastGAN's SLE).

    small [N, Cs, s, s] -> average pool to 4x4 -> conv 4x4 -> LeakyReLU(0.1) -> conv 1x1 -> sigmoid
    -> [N, Cb, 1, 1], multiplied into big [N, Cb, S, S].
    """

    def __init__(self, small_channels: int, small_size: int, big_channels: int):
        super().__init__()
        pool = small_size // 4
        self.gate = nn.Sequential(
            nn.AvgPool2d(pool) if pool > 1 else nn.Identity(),
            nn.Conv2d(small_channels, big_channels, 4, 1, 0, bias=False),
            nn.LeakyReLU(0.1),
            nn.Conv2d(big_channels, big_channels, 1, 1, 0, bias=False),
            nn.Sigmoid(),
        )

    def forward(self, small: torch.Tensor, big: torch.Tensor) -> torch.Tensor:
        return big * self.gate(small)


def _up(cin: int, cout: int) -> nn.Sequential:
    return nn.Sequential(nn.ConvTranspose2d(cin, cout, 4, 2, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(True))


def _refine(ch: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(ch, ch, 3, 1, 1, bias=False), nn.BatchNorm2d(ch), nn.ReLU(True))


class Generator(nn.Module):
    """z [N, zDim] -> image [N, 3, size, size] in [-1, 1]."""

    def __init__(self, z_dim: int = 128, size: int = 128, base: int = 512, refine_up_to: int = 32):
        super().__init__()
        assert size >= 32 and size & (size - 1) == 0, "size must be a power of two >= 32"
        self.z_dim, self.size = z_dim, size
        self.widths = default_widths(size, base)
        self.initial = nn.Sequential(
            nn.ConvTranspose2d(z_dim, self.widths[4], 4, 1, 0, bias=False),
            nn.BatchNorm2d(self.widths[4]), nn.ReLU(True))
        self.ups = nn.ModuleDict()
        self.refines = nn.ModuleDict()
        res = 8
        while res <= size:
            self.ups[str(res)] = _up(self.widths[res // 2], self.widths[res])
            if res <= refine_up_to:
                self.refines[str(res)] = _refine(self.widths[res])
            res *= 2
        # SLE pairs: 8 -> 64 and 16 -> 128 at 128x128 (each gate spans three octaves).
        self.excitations = nn.ModuleDict()
        for small in (8, 16, 32):
            big = small * 8
            if big <= size:
                self.excitations[str(big)] = SkipLayerExcitation(self.widths[small], small, self.widths[big])
        self.to_rgb = nn.Sequential(nn.Conv2d(self.widths[size], 3, 3, 1, 1), nn.Tanh())

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        x = self.initial(z.reshape(z.shape[0], self.z_dim, 1, 1))
        features = {4: x}
        res = 8
        while res <= self.size:
            x = self.ups[str(res)](x)
            if str(res) in self.refines:
                x = self.refines[str(res)](x)
            if str(res) in self.excitations:
                x = self.excitations[str(res)](features[res // 8], x)
            features[res] = x
            res *= 2
        return self.to_rgb(x)


class Discriminator(nn.Module):
    """image [N, 3, size, size] -> logits [N].

    norm "spectral": spectral norm on every layer (SN-GAN); norm "batch": DCGAN's batch norm on every
    layer but the first and the last.
    """

    def __init__(self, size: int = 128, base: int = 32, max_channels: int = 512, norm: str = "spectral",
                 minibatch_std: bool = False):
        super().__init__()
        self.minibatch_std = minibatch_std
        if norm not in ("spectral", "batch"):
            raise ValueError(f"unknown discriminator norm '{norm}' (spectral, batch)")
        wrap = spectral_norm if norm == "spectral" else (lambda layer: layer)
        layers, cin, ch, res = [], 3, base, size
        while res > 4:
            layers += [wrap(nn.Conv2d(cin, ch, 4, 2, 1, bias=norm == "spectral" or cin == 3))]
            if norm == "batch" and cin != 3:
                layers += [nn.BatchNorm2d(ch)]
            layers += [nn.LeakyReLU(0.2, True)]
            cin, ch, res = ch, min(max_channels, ch * 2), res // 2
        self.net = nn.Sequential(*layers)
        self.head = wrap(nn.Conv2d(cin + int(minibatch_std), 1, 4, 1, 0))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.net(x)
        if self.minibatch_std:
            x = torch.cat([x, minibatch_stddev(x)], dim=1)
        return self.head(x).flatten()


def minibatch_stddev(x: torch.Tensor, group: int = 4) -> torch.Tensor:
    """ProGAN's minibatch standard deviation (Karras et al. 2018): one extra feature map holding how
    much the samples in a group differ, so the discriminator can see a lack of variety (mode collapse).
    x [N, C, H, W] -> [N, 1, H, W]."""
    n, c, h, w = x.shape
    g = min(group, n)
    while n % g:
        g -= 1
    y = x.view(g, n // g, c, h, w)
    y = (y - y.mean(0)).pow(2).mean(0).add(1e-8).sqrt()  # [n/g, C, H, W]
    y = y.mean(dim=(1, 2, 3)).view(n // g, 1, 1, 1).repeat(g, 1, h, w)
    return y


def count_generator_flops(gen: Generator) -> float:
    """Multiply-adds x 2 for one frame, from the convolution shapes (GFLOP)."""
    total = 0.0

    def hook(module, inputs, output):
        nonlocal total
        if isinstance(module, nn.ConvTranspose2d):
            n, cin, h, w = inputs[0].shape
            total += 2.0 * h * w * cin * module.out_channels * module.kernel_size[0] * module.kernel_size[1]
        elif isinstance(module, nn.Conv2d):
            n, cout, h, w = output.shape
            total += 2.0 * h * w * cout * module.in_channels * module.kernel_size[0] * module.kernel_size[1]

    handles = [m.register_forward_hook(hook) for m in gen.modules() if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d))]
    was_training = gen.training
    gen.eval()
    with torch.no_grad():
        gen(torch.zeros(1, gen.z_dim))
    gen.train(was_training)
    for h in handles:
        h.remove()
    return total / 1e9
