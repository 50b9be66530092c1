"""The from-scratch track: neural networks in NumPy (CuPy on a GPU).

Modules, in the order the book meets them. Imports run one way: backend <- activations, losses
<- layers <- network, with optimizers and batching (which import only backend) and training
(which imports batching) also used by network; nothing imports upward.

``backend``      NumPy or CuPy (``COURSE_DEVICE``), ``to_numpy``
``activations``  step functions, sigmoid, tanh, ReLU, softplus, softmax and their derivatives
``losses``       MSE, MAE, Huber and the cross-entropies, with gradients; fused softmax/sigmoid losses
``perceptron``   McCulloch-Pitts neurons, logic gates, the TLU and Rosenblatt's perceptron
``layers``       ``Dense`` and ``Dropout``; functional ``dense_forward`` / ``dense_backward``
``optimizers``   SGD (momentum, Nesterov), AdaGrad, RMSProp, Adam: one ``step(params, grads)``
``batching``     ``minibatches``: one seeded permutation per epoch, contiguous slices
``training``     ``train_epoch``: forward -> loss -> backward -> step for each mini-batch
``network``      ``MLP``: forward, loss, backward, fit, predict, evaluate
``gradcheck``    numeric gradients and ``check_layer``
``autograd``     ``Value``: a scalar autograd engine, backpropagation one number at a time

The most used names are importable from here, e.g. ``from course_pkg.numpy_nn import MLP, Adam``.
"""

from course_pkg.numpy_nn.activations import get_activation, relu, sigmoid, softmax, softplus, tanh
from course_pkg.numpy_nn.autograd import Value
from course_pkg.numpy_nn.backend import get_array_module, to_numpy
from course_pkg.numpy_nn.batching import minibatches
from course_pkg.numpy_nn.gradcheck import check_layer, numeric_grad, numeric_vjp, rel_error
from course_pkg.numpy_nn.layers import Dense, Dropout, dense_backward, dense_forward
from course_pkg.numpy_nn.losses import get_loss, sigmoid_binary_crossentropy, softmax_cross_entropy
from course_pkg.numpy_nn.network import MLP
from course_pkg.numpy_nn.optimizers import SGD, AdaGrad, Adam, RMSProp, get_optimizer
from course_pkg.numpy_nn.perceptron import TLU, Perceptron
from course_pkg.numpy_nn.regularization import decay_weights, l2_penalty, l2_penalty_grads
from course_pkg.numpy_nn.training import train_epoch

__all__ = [
    "MLP", "Dense", "Dropout", "dense_forward", "dense_backward",
    "SGD", "AdaGrad", "RMSProp", "Adam", "get_optimizer", "minibatches", "train_epoch",
    "Perceptron", "TLU",
    "get_activation", "sigmoid", "tanh", "relu", "softplus", "softmax",
    "get_loss", "softmax_cross_entropy", "sigmoid_binary_crossentropy",
    "numeric_grad", "numeric_vjp", "rel_error", "check_layer", "Value",
    "get_array_module", "to_numpy",
]
