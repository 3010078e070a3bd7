# %% [markdown]
# # 5. Training a classifier with plain gradient descent
#
# A small neural network, one hidden layer of 32 tanh units and a softmax output,
# trained on the handwritten digits that ship with scikit-learn (1797 images of
# 8×8 pixels; no download). The loss is written as ordinary NumPy code; pullback
# generates its gradient with respect to all four parameter arrays, and the
# training loop is a few lines of full-batch gradient descent.

# %%
import time

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

import pullback

# %% [markdown]
# ## Data

# %%
digits = load_digits()
X = digits.data / 16.0                       # pixel intensities in [0, 1]
y = digits.target
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=0,
                                                    stratify=y)
Y_train = np.eye(10)[y_train]                # one-hot targets
print(X_train.shape, X_test.shape)

# %% [markdown]
# ## The model and its loss
#
# Mean cross-entropy of the softmax of the logits; the log-sum-exp is shifted by
# the row maximum for stability.

# %%
def loss(W1, b1, W2, b2, X, Y):
    hidden = np.tanh(X @ W1 + b1)
    logits = hidden @ W2 + b2
    m = np.max(logits, axis=1, keepdims=True)
    log_norm = m + np.log(np.sum(np.exp(logits - m), axis=1, keepdims=True))
    return -np.sum(Y * (logits - log_norm)) / X.shape[0]


def predict(W1, b1, W2, b2, X):
    return np.argmax(np.tanh(X @ W1 + b1) @ W2 + b2, axis=1)


loss_and_grad = pullback.value_and_grad(loss, wrt=("W1", "b1", "W2", "b2"))
print(pullback.source(loss, wrt=("W1", "b1", "W2", "b2")))

# %% [markdown]
# A quick check of the generated gradient against a central finite difference along
# a random direction:

# %%
rng = np.random.default_rng(0)
params = [rng.normal(size=(64, 32)) * 0.1, np.zeros(32), rng.normal(size=(32, 10)) * 0.1,
          np.zeros(10)]
value, grads = loss_and_grad(*params, X_train, Y_train)
direction = [rng.normal(size=p.shape) for p in params]
h = 1e-6
up = loss(*[p + h * d for p, d in zip(params, direction)], X_train, Y_train)
down = loss(*[p - h * d for p, d in zip(params, direction)], X_train, Y_train)
numeric = (up - down) / (2 * h)
analytic = sum(np.sum(g * d) for g, d in zip(grads, direction))
print(f"directional derivative: pullback {analytic:.8f}, finite differences {numeric:.8f}")
assert np.isclose(analytic, numeric, rtol=1e-5)

# %% [markdown]
# ## Gradient descent

# %%
learning_rate, steps = 0.5, 300
W1, b1, W2, b2 = params
losses = []
start = time.perf_counter()
for _ in range(steps):
    value, (dW1, db1, dW2, db2) = loss_and_grad(W1, b1, W2, b2, X_train, Y_train)
    W1 = W1 - learning_rate * dW1
    b1 = b1 - learning_rate * db1
    W2 = W2 - learning_rate * dW2
    b2 = b2 - learning_rate * db2
    losses.append(value)
elapsed = time.perf_counter() - start
print(f"loss {losses[0]:.3f} -> {losses[-1]:.3f}")

# %% tags=["timing"]
print(f"{steps} steps in {elapsed:.1f} s")

# %%
train_accuracy = np.mean(predict(W1, b1, W2, b2, X_train) == y_train)
test_accuracy = np.mean(predict(W1, b1, W2, b2, X_test) == y_test)
print(f"train accuracy {train_accuracy:.3f}, test accuracy {test_accuracy:.3f}")
assert test_accuracy > 0.9

# %%
fig, (ax, ax_digits) = plt.subplots(1, 2, figsize=(11, 3.8),
                                    gridspec_kw={"width_ratios": [3, 2]})
ax.plot(losses)
ax.set_yscale("log")
ax.set_xlabel("gradient descent step")
ax.set_ylabel("training loss (cross-entropy)")
ax.set_title(f"loss curve; test accuracy {test_accuracy:.1%}")
ax.grid(True, which="both", alpha=0.3)
predicted = predict(W1, b1, W2, b2, X_test)
wrong = np.flatnonzero(predicted != y_test)[:8]
ax_digits.axis("off")
ax_digits.set_title("some test digits it gets wrong (true → predicted)")
for slot, i in enumerate(wrong):
    inset = ax_digits.inset_axes([(slot % 4) * 0.25, 0.5 - (slot // 4) * 0.5, 0.22, 0.42])
    inset.imshow(X_test[i].reshape(8, 8), cmap="gray_r")
    inset.set_title(f"{y_test[i]} → {predicted[i]}", fontsize=9)
    inset.axis("off")
fig.tight_layout()
plt.show()
