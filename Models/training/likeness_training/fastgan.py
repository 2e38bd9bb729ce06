"""The second-generation Likeness generator and its discriminator (FastGAN-style, grid-free).

Generator v2: z [N, zDim] -> image [N, 3, S, S] in [-1, 1]. After a 4x4 start (a transposed
convolution from 1x1, which is a dense layer and prints no grid), every doubling is a nearest-neighbour
x2 upsample followed by a 3x3 convolution, batch norm and GLU (Liu et al. 2021, "Towards Faster and
Stabilized GAN Training for High-fidelity Few-shot Image Synthesis"): no stride-2 transposed
convolution, so no checkerboard. Skip-layer excitation carries 8x8/16x16 summaries to the 64/128
layers. Every operator exports to plain ONNX the Likeness engine plans: ConvTranspose, Resize
(nearest), Conv, BatchNormalization, Split, Sigmoid, Mul, AveragePool, LeakyRelu, Tanh.

Discriminator v2: strided 4x4 convolutions with batch norm and LeakyReLU, FastGAN's self-supervised
reconstruction decoder on the 8x8 features of real images (the discriminator must keep enough of
the picture to redraw it, which keeps it from memorising ~1,000 images by their quirks), and a 4x4
logit head. Trained with the hinge loss, DiffAugment at an adaptive probability (ADA's overfitting
heuristic r_t = E[sign D(real)]).
"""
from __future__ import annotations

import torch
from torch import nn

from .models import SkipLayerExcitation


def generator_widths(size: int, base: int = 256, floor: int = 16) -> dict[int, int]:
    """Channels per resolution: `base` at 4x4 and 8x8, halved per doubling after that, at least `floor`."""
    widths, res, ch = {}, 4, base
    while res <= size:
        widths[res] = max(floor, ch)
        if res >= 8:
            ch //= 2
        res *= 2
    return widths


class GLU(nn.Module):
    """x [N, 2C, H, W] -> first half * sigmoid(second half): [N, C, H, W]."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        a, b = x.chunk(2, dim=1)
        return a * torch.sigmoid(b)


def _conv_bn_glu(cin: int, cout: int) -> list[nn.Module]:
    return [nn.Conv2d(cin, cout * 2, 3, 1, 1, bias=False), nn.BatchNorm2d(cout * 2), GLU()]


class UpBlock(nn.Sequential):
    """Nearest x2, then `convs` 3x3 convolutions with batch norm and GLU."""

    def __init__(self, cin: int, cout: int, convs: int = 1):
        layers: list[nn.Module] = [nn.Upsample(scale_factor=2, mode="nearest")]
        layers += _conv_bn_glu(cin, cout)
        for _ in range(convs - 1):
            layers += _conv_bn_glu(cout, cout)
        super().__init__(*layers)


class GeneratorV2(nn.Module):
    """z [N, zDim] -> image [N, 3, size, size] in [-1, 1]; grid-free upsampling (see the module doc)."""

    def __init__(self, z_dim: int = 128, size: int = 128, base: int = 192, double_up_to: int = 8):
        super().__init__()
        assert size >= 32 and size & (size - 1) == 0, "size must be a power of two >= 32"
        self.z_dim, self.size = z_dim, size
        self.widths = generator_widths(size, base)
        self.initial = nn.Sequential(
            nn.ConvTranspose2d(z_dim, self.widths[4] * 2, 4, 1, 0, bias=False),
            nn.BatchNorm2d(self.widths[4] * 2), GLU())
        self.ups = nn.ModuleDict()
        res = 8
        while res <= size:
            self.ups[str(res)] = UpBlock(self.widths[res // 2], self.widths[res], 2 if res <= double_up_to else 1)
            res *= 2
        self.excitations = nn.ModuleDict()
        for small in (8, 16):
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
            if str(res) in self.excitations:
                x = self.excitations[str(res)](features[res // 8], x)
            features[res] = x
            res *= 2
        return self.to_rgb(x)


class Decoder(nn.Module):
    """features [N, C, 8, 8] -> image [N, 3, 8 * 2^ups, ...]: the self-supervised reconstruction head."""

    def __init__(self, cin: int, ups: int = 3, width: int = 64):
        super().__init__()
        layers: list[nn.Module] = []
        ch = cin
        for i in range(ups):
            out = max(16, width >> i)
            layers += [nn.Upsample(scale_factor=2, mode="nearest"), nn.Conv2d(ch, out * 2, 3, 1, 1, bias=False),
                       nn.BatchNorm2d(out * 2), GLU()]
            ch = out
        layers += [nn.Conv2d(ch, 3, 3, 1, 1), nn.Tanh()]
        self.net = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


class DiscriminatorV2(nn.Module):
    """image [N, 3, size, size] -> logits [N] (and, with reconstruct=True, the decoder's redraw at 64x64).

    base channels at full resolution, doubled per halving up to max_channels.
    """

    def __init__(self, size: int = 128, base: int = 32, max_channels: int = 256, decoder_width: int = 64):
        super().__init__()
        layers: list[nn.Module] = []
        cin, ch, res = 3, base, size
        while res > 8:
            layers += [nn.Conv2d(cin, ch, 4, 2, 1, bias=cin == 3)]
            if cin != 3:
                layers += [nn.BatchNorm2d(ch)]
            layers += [nn.LeakyReLU(0.2, True)]
            cin, ch, res = ch, min(max_channels, ch * 2), res // 2
        self.body = nn.Sequential(*layers)  # -> [N, cin, 8, 8]
        self.head = nn.Sequential(
            nn.Conv2d(cin, cin, 4, 2, 1, bias=False), nn.BatchNorm2d(cin), nn.LeakyReLU(0.2, True),
            nn.Conv2d(cin, 1, 4, 1, 0))
        ups = max(1, min(3, size.bit_length() - 4))  # 8x8 -> 64x64, or the image's own size when smaller
        self.decoder = Decoder(cin, ups=ups, width=decoder_width)

    def forward(self, x: torch.Tensor, reconstruct: bool = False):
        features = self.body(x)
        logits = self.head(features).flatten()
        if reconstruct:
            return logits, self.decoder(features)
        return logits


class AdaptiveAugment:
    """ADA's augmentation probability p (Karras et al. 2020), adjusted from r_t = E[sign D(real)].

    Every `interval` steps p moves by sign(r_t - target) * images / speed_images, clamped to [0, p_max].
    The state (p and the running sum) is plain numbers, saved in the checkpoint.
    """

    def __init__(self, target: float = 0.6, speed_images: int = 100_000, interval: int = 4, p: float = 0.0,
                 p_max: float = 0.8):
        self.target, self.speed_images, self.interval, self.p, self.p_max = target, speed_images, interval, p, p_max
        self.signs, self.count = 0.0, 0

    def observe(self, sign_sum: float, count: int, images_per_step: int) -> None:
        """Add one step's sum of sign(D(real)) over `count` images (all replicas together)."""
        self.signs += sign_sum
        self.count += count
        if self.count >= self.interval * images_per_step:
            r_t = self.signs / self.count
            delta = (1 if r_t > self.target else -1) * self.interval * images_per_step / self.speed_images
            self.p = min(self.p_max, max(0.0, self.p + delta))
            self.signs, self.count = 0.0, 0

    def state_dict(self) -> dict:
        return {"p": self.p, "signs": self.signs, "count": self.count}

    def load_state_dict(self, state: dict) -> None:
        self.p, self.signs, self.count = state["p"], state["signs"], state["count"]


