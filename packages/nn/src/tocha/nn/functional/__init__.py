"""``tocha.nn.functional``: the functional form of every layer (``torch.nn.functional``).

Example:
    >>> import tocha
    >>> import tocha.nn.functional as F
    >>> F.relu(tocha.tensor([-1.0, 2.0]))
    tensor([0., 2.])
"""

from __future__ import annotations

from .. import grad as grad  # torch.nn.functional.grad is torch.nn.grad
from ._activation import (
    celu as celu,
)
from ._activation import (
    celu_ as celu_,
)
from ._activation import (
    elu as elu,
)
from ._activation import (
    elu_ as elu_,
)
from ._activation import (
    gelu as gelu,
)
from ._activation import (
    glu as glu,
)
from ._activation import (
    gumbel_softmax as gumbel_softmax,
)
from ._activation import (
    hardshrink as hardshrink,
)
from ._activation import (
    hardsigmoid as hardsigmoid,
)
from ._activation import (
    hardswish as hardswish,
)
from ._activation import (
    hardtanh as hardtanh,
)
from ._activation import (
    hardtanh_ as hardtanh_,
)
from ._activation import (
    leaky_relu as leaky_relu,
)
from ._activation import (
    leaky_relu_ as leaky_relu_,
)
from ._activation import (
    log_softmax as log_softmax,
)
from ._activation import (
    logsigmoid as logsigmoid,
)
from ._activation import (
    mish as mish,
)
from ._activation import (
    prelu as prelu,
)
from ._activation import (
    relu as relu,
)
from ._activation import (
    relu6 as relu6,
)
from ._activation import (
    relu_ as relu_,
)
from ._activation import (
    rrelu as rrelu,
)
from ._activation import (
    rrelu_ as rrelu_,
)
from ._activation import (
    selu as selu,
)
from ._activation import (
    selu_ as selu_,
)
from ._activation import (
    sigmoid as sigmoid,
)
from ._activation import (
    silu as silu,
)
from ._activation import (
    softmax as softmax,
)
from ._activation import (
    softmin as softmin,
)
from ._activation import (
    softplus as softplus,
)
from ._activation import (
    softshrink as softshrink,
)
from ._activation import (
    softsign as softsign,
)
from ._activation import (
    tanh as tanh,
)
from ._activation import (
    tanhshrink as tanhshrink,
)
from ._activation import (
    threshold as threshold,
)
from ._activation import (
    threshold_ as threshold_,
)
from ._attention import (
    multi_head_attention_forward as multi_head_attention_forward,
)
from ._attention import (
    scaled_dot_product_attention as scaled_dot_product_attention,
)
from ._batching import install as _install_batching_rules
from ._conv import (
    channel_shuffle as channel_shuffle,
)
from ._conv import (
    conv1d as conv1d,
)
from ._conv import (
    conv2d as conv2d,
)
from ._conv import (
    conv3d as conv3d,
)
from ._conv import (
    conv_transpose1d as conv_transpose1d,
)
from ._conv import (
    conv_transpose2d as conv_transpose2d,
)
from ._conv import (
    conv_transpose3d as conv_transpose3d,
)
from ._conv import (
    fold as fold,
)
from ._conv import (
    pad as pad,
)
from ._conv import (
    pixel_shuffle as pixel_shuffle,
)
from ._conv import (
    pixel_unshuffle as pixel_unshuffle,
)
from ._conv import (
    unfold as unfold,
)
from ._distance import (
    cosine_similarity as cosine_similarity,
)
from ._distance import (
    normalize as normalize,
)
from ._distance import (
    pairwise_distance as pairwise_distance,
)
from ._distance import (
    pdist as pdist,
)
from ._dropout import (
    alpha_dropout as alpha_dropout,
)
from ._dropout import (
    dropout as dropout,
)
from ._dropout import (
    dropout1d as dropout1d,
)
from ._dropout import (
    dropout2d as dropout2d,
)
from ._dropout import (
    dropout3d as dropout3d,
)
from ._dropout import (
    feature_alpha_dropout as feature_alpha_dropout,
)
from ._grouped_mm import (
    grouped_mm as grouped_mm,
)
from ._linear import (
    bilinear as bilinear,
)
from ._linear import (
    linear as linear,
)
from ._linear_cross_entropy import (
    linear_cross_entropy as linear_cross_entropy,
)
from ._loss import (
    binary_cross_entropy as binary_cross_entropy,
)
from ._loss import (
    binary_cross_entropy_with_logits as binary_cross_entropy_with_logits,
)
from ._loss import (
    cosine_embedding_loss as cosine_embedding_loss,
)
from ._loss import (
    cross_entropy as cross_entropy,
)
from ._loss import (
    ctc_loss as ctc_loss,
)
from ._loss import (
    gaussian_nll_loss as gaussian_nll_loss,
)
from ._loss import (
    hinge_embedding_loss as hinge_embedding_loss,
)
from ._loss import (
    huber_loss as huber_loss,
)
from ._loss import (
    kl_div as kl_div,
)
from ._loss import (
    l1_loss as l1_loss,
)
from ._loss import (
    margin_ranking_loss as margin_ranking_loss,
)
from ._loss import (
    mse_loss as mse_loss,
)
from ._loss import (
    multi_margin_loss as multi_margin_loss,
)
from ._loss import (
    multilabel_margin_loss as multilabel_margin_loss,
)
from ._loss import (
    multilabel_soft_margin_loss as multilabel_soft_margin_loss,
)
from ._loss import (
    nll_loss as nll_loss,
)
from ._loss import (
    poisson_nll_loss as poisson_nll_loss,
)
from ._loss import (
    smooth_l1_loss as smooth_l1_loss,
)
from ._loss import (
    soft_margin_loss as soft_margin_loss,
)
from ._loss import (
    triplet_margin_loss as triplet_margin_loss,
)
from ._loss import (
    triplet_margin_with_distance_loss as triplet_margin_with_distance_loss,
)
from ._normalization import (
    batch_norm as batch_norm,
)
from ._normalization import (
    group_norm as group_norm,
)
from ._normalization import (
    instance_norm as instance_norm,
)
from ._normalization import (
    layer_norm as layer_norm,
)
from ._normalization import (
    local_response_norm as local_response_norm,
)
from ._normalization import (
    rms_norm as rms_norm,
)
from ._pooling import (
    adaptive_avg_pool1d as adaptive_avg_pool1d,
)
from ._pooling import (
    adaptive_avg_pool2d as adaptive_avg_pool2d,
)
from ._pooling import (
    adaptive_avg_pool3d as adaptive_avg_pool3d,
)
from ._pooling import (
    adaptive_max_pool1d as adaptive_max_pool1d,
)
from ._pooling import (
    adaptive_max_pool1d_with_indices as adaptive_max_pool1d_with_indices,
)
from ._pooling import (
    adaptive_max_pool2d as adaptive_max_pool2d,
)
from ._pooling import (
    adaptive_max_pool2d_with_indices as adaptive_max_pool2d_with_indices,
)
from ._pooling import (
    adaptive_max_pool3d as adaptive_max_pool3d,
)
from ._pooling import (
    adaptive_max_pool3d_with_indices as adaptive_max_pool3d_with_indices,
)
from ._pooling import (
    avg_pool1d as avg_pool1d,
)
from ._pooling import (
    avg_pool2d as avg_pool2d,
)
from ._pooling import (
    avg_pool3d as avg_pool3d,
)
from ._pooling import (
    fractional_max_pool2d as fractional_max_pool2d,
)
from ._pooling import (
    fractional_max_pool2d_with_indices as fractional_max_pool2d_with_indices,
)
from ._pooling import (
    fractional_max_pool3d as fractional_max_pool3d,
)
from ._pooling import (
    fractional_max_pool3d_with_indices as fractional_max_pool3d_with_indices,
)
from ._pooling import (
    lp_pool1d as lp_pool1d,
)
from ._pooling import (
    lp_pool2d as lp_pool2d,
)
from ._pooling import (
    lp_pool3d as lp_pool3d,
)
from ._pooling import (
    max_pool1d as max_pool1d,
)
from ._pooling import (
    max_pool1d_with_indices as max_pool1d_with_indices,
)
from ._pooling import (
    max_pool2d as max_pool2d,
)
from ._pooling import (
    max_pool2d_with_indices as max_pool2d_with_indices,
)
from ._pooling import (
    max_pool3d as max_pool3d,
)
from ._pooling import (
    max_pool3d_with_indices as max_pool3d_with_indices,
)
from ._pooling import (
    max_unpool1d as max_unpool1d,
)
from ._pooling import (
    max_unpool2d as max_unpool2d,
)
from ._pooling import (
    max_unpool3d as max_unpool3d,
)
from ._scaled_mm import (
    ScalingType as ScalingType,
)
from ._scaled_mm import (
    SwizzleType as SwizzleType,
)
from ._scaled_mm import (
    scaled_mm as scaled_mm,
)
from ._sparse import (
    embedding as embedding,
)
from ._sparse import (
    embedding_bag as embedding_bag,
)
from ._sparse import (
    one_hot as one_hot,
)
from ._vision import (
    affine_grid as affine_grid,
)
from ._vision import (
    grid_sample as grid_sample,
)
from ._vision import (
    interpolate as interpolate,
)
from ._vision import (
    upsample as upsample,
)
from ._vision import (
    upsample_bilinear as upsample_bilinear,
)
from ._vision import (
    upsample_nearest as upsample_nearest,
)

_install_batching_rules()  # vmap's rules for tocha-nn's ops

__all__ = [
    "relu",
    "relu_",
    "relu6",
    "leaky_relu",
    "leaky_relu_",
    "prelu",
    "rrelu",
    "rrelu_",
    "elu",
    "elu_",
    "selu",
    "selu_",
    "celu",
    "celu_",
    "gelu",
    "silu",
    "mish",
    "sigmoid",
    "hardsigmoid",
    "tanh",
    "hardtanh",
    "hardtanh_",
    "hardswish",
    "softplus",
    "softsign",
    "softshrink",
    "hardshrink",
    "tanhshrink",
    "threshold",
    "threshold_",
    "logsigmoid",
    "softmax",
    "log_softmax",
    "softmin",
    "glu",
    "gumbel_softmax",
    "dropout",
    "dropout1d",
    "dropout2d",
    "dropout3d",
    "alpha_dropout",
    "feature_alpha_dropout",
    "grouped_mm",
    "ScalingType",
    "SwizzleType",
    "scaled_mm",
    "linear",
    "bilinear",
    "cosine_similarity",
    "pairwise_distance",
    "pdist",
    "normalize",
    "l1_loss",
    "mse_loss",
    "smooth_l1_loss",
    "huber_loss",
    "cross_entropy",
    "linear_cross_entropy",
    "nll_loss",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "kl_div",
    "poisson_nll_loss",
    "gaussian_nll_loss",
    "cosine_embedding_loss",
    "margin_ranking_loss",
    "hinge_embedding_loss",
    "multilabel_margin_loss",
    "multilabel_soft_margin_loss",
    "multi_margin_loss",
    "soft_margin_loss",
    "triplet_margin_loss",
    "triplet_margin_with_distance_loss",
    "ctc_loss",
    "conv1d",
    "conv2d",
    "conv3d",
    "conv_transpose1d",
    "conv_transpose2d",
    "conv_transpose3d",
    "unfold",
    "fold",
    "pad",
    "pixel_shuffle",
    "pixel_unshuffle",
    "channel_shuffle",
    "max_pool1d",
    "max_pool2d",
    "max_pool3d",
    "max_pool1d_with_indices",
    "max_pool2d_with_indices",
    "max_pool3d_with_indices",
    "max_unpool1d",
    "max_unpool2d",
    "max_unpool3d",
    "avg_pool1d",
    "avg_pool2d",
    "avg_pool3d",
    "adaptive_avg_pool1d",
    "adaptive_avg_pool2d",
    "adaptive_avg_pool3d",
    "adaptive_max_pool1d",
    "adaptive_max_pool2d",
    "adaptive_max_pool3d",
    "adaptive_max_pool1d_with_indices",
    "adaptive_max_pool2d_with_indices",
    "adaptive_max_pool3d_with_indices",
    "fractional_max_pool2d",
    "fractional_max_pool3d",
    "fractional_max_pool2d_with_indices",
    "fractional_max_pool3d_with_indices",
    "lp_pool1d",
    "lp_pool2d",
    "lp_pool3d",
    "interpolate",
    "upsample",
    "upsample_nearest",
    "upsample_bilinear",
    "grid_sample",
    "affine_grid",
    "batch_norm",
    "layer_norm",
    "group_norm",
    "instance_norm",
    "local_response_norm",
    "rms_norm",
    "embedding",
    "embedding_bag",
    "one_hot",
    "scaled_dot_product_attention",
    "multi_head_attention_forward",
]
