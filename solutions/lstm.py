"""A NumPy LSTM language model, written from scratch.

Your task is to write the three functions that make it learn:

* ``forward``         -- run the LSTM over one sequence and keep every
                         intermediate value that back-propagation needs;
* ``backward``        -- back-propagation through time: the summed
                         cross-entropy loss and the exact gradient of every
                         parameter;
* ``clip_and_update`` -- clip all gradients by one global norm, then take a
                         plain gradient-descent step.

Everything else in this file is given and works: the nonlinearities, the
initialisation, the toy corpus ``a^n b^n EOS``, the one-hot helpers and a
training loop that uses your three functions and plots the loss.

Conventions (they are checked): every vector is a column, an ``(n, 1)`` float64
array; the parameters always travel as the tuple

    p = (W_f, W_i, W_g, W_o, W_v, b_f, b_i, b_g, b_o, b_v)

and, for each step t = 0 .. T-1, with h_{-1} = h_prev and C_{-1} = C_prev:

    z_t = [h_{t-1}; x_t]            (hidden state first, then the input)
    f_t = sigmoid(W_f z_t + b_f)    i_t = sigmoid(W_i z_t + b_i)
    g_t = tanh(W_g z_t + b_g)       o_t = sigmoid(W_o z_t + b_o)
    C_t = f_t * C_{t-1} + i_t * g_t
    h_t = o_t * tanh(C_t)
    v_t = W_v h_t + b_v             y_t = softmax(v_t)

Run this file as a script (``python lstm.py``) to train the model on the toy
corpus: in a few seconds it saves the loss curves to ``loss.png``, prints the
share of held-out tokens it predicts right and shows how it continues
``a^n b``.
"""

import sys

import numpy as np

# --------------------------------------------------------------------------
# Given: nonlinearities (numerically stable)
# --------------------------------------------------------------------------


def sigmoid(x):
    """Logistic function 1 / (1 + exp(-x)), without overflow for large |x|."""
    return np.exp(-np.logaddexp(0.0, -x))


def tanh(x):
    """Hyperbolic tangent."""
    return np.tanh(x)


def softmax(x):
    """Softmax of a column of logits; shifting by the max keeps exp finite."""
    shifted = np.exp(x - np.max(x))
    return shifted / np.sum(shifted)


# --------------------------------------------------------------------------
# Given: initialisation
# --------------------------------------------------------------------------


def init_orthogonal(shape, rng):
    """A matrix of the given shape with orthonormal rows or columns (QR)."""
    rows, cols = shape
    flat = rng.standard_normal((max(rows, cols), min(rows, cols)))
    q, r = np.linalg.qr(flat)
    q = q * np.sign(np.diag(r))  # make the decomposition unique
    return q if rows >= cols else q.T


def init_lstm(hidden_size, vocab_size, seed=0):
    """Parameters ``(W_f, W_i, W_g, W_o, W_v, b_f, b_i, b_g, b_o, b_v)``.

    Orthogonal weights, zero biases except the forget-gate bias ``b_f = 1.0``
    (so that early in training the cell keeps its memory).
    """
    rng = np.random.default_rng(seed)
    z_size = hidden_size + vocab_size
    W_f, W_i, W_g, W_o = (init_orthogonal((hidden_size, z_size), rng) for _ in range(4))
    W_v = init_orthogonal((vocab_size, hidden_size), rng)
    b_f = np.ones((hidden_size, 1))
    b_i, b_g, b_o = (np.zeros((hidden_size, 1)) for _ in range(3))
    b_v = np.zeros((vocab_size, 1))
    return W_f, W_i, W_g, W_o, W_v, b_f, b_i, b_g, b_o, b_v


# --------------------------------------------------------------------------
# Given: the toy corpus a^n b^n EOS, its vocabulary and one-hot helpers
# --------------------------------------------------------------------------

EOS = "EOS"
UNK = "UNK"


def generate_dataset(num_sequences=200, max_n=8, seed=42):
    """Sequences ``a a .. a b b .. b EOS`` with n a's and n b's, 1 <= n <= max_n."""
    rng = np.random.default_rng(seed)
    lengths = rng.integers(1, max_n + 1, size=num_sequences)
    return [["a"] * n + ["b"] * n + [EOS] for n in lengths]


def build_vocabulary(sequences):
    """``(word_to_idx, idx_to_word)`` over every token seen, plus ``UNK``."""
    words = sorted({word for sequence in sequences for word in sequence} | {UNK})
    word_to_idx = {word: idx for idx, word in enumerate(words)}
    idx_to_word = {idx: word for word, idx in word_to_idx.items()}
    return word_to_idx, idx_to_word


def split_dataset(sequences, p_train=0.8, p_val=0.1):
    """Split into training, validation and test sets, keeping the order."""
    n_train = int(len(sequences) * p_train)
    n_val = int(len(sequences) * p_val)
    return (
        sequences[:n_train],
        sequences[n_train:n_train + n_val],
        sequences[n_train + n_val:],
    )


def one_hot_encode(idx, vocab_size):
    """A ``(vocab_size, 1)`` column with a 1 at ``idx``."""
    column = np.zeros((vocab_size, 1))
    column[idx] = 1.0
    return column


def one_hot_encode_sequence(sequence, word_to_idx):
    """A ``(T, V, 1)`` array: one one-hot column per token."""
    vocab_size = len(word_to_idx)
    unknown = word_to_idx[UNK]
    return np.array([one_hot_encode(word_to_idx.get(word, unknown), vocab_size) for word in sequence])


def inputs_and_targets(sequence, word_to_idx):
    """Next-token prediction: the input is every token but the last, the
    target every token but the first, both one-hot ``(T, V, 1)``."""
    return (
        one_hot_encode_sequence(sequence[:-1], word_to_idx),
        one_hot_encode_sequence(sequence[1:], word_to_idx),
    )


# --------------------------------------------------------------------------
# Your task: forward, backward, clip_and_update
# --------------------------------------------------------------------------


def forward(inputs, h_prev, C_prev, p):
    """Run the LSTM over one sequence and keep what back-propagation needs.

    Args:
        inputs: one-hot inputs of shape ``(T, V, 1)`` (a list of ``(V, 1)``
            columns works too).
        h_prev: the initial hidden state ``h_{-1}``, shape ``(H, 1)``.
        C_prev: the initial cell state ``C_{-1}``, shape ``(H, 1)``.
        p: the parameters ``(W_f, W_i, W_g, W_o, W_v, b_f, b_i, b_g, b_o, b_v)``.

    Returns:
        ``(z_s, f_s, i_s, g_s, C_s, o_s, h_s, v_s, output_s)``, where
        ``z_s, f_s, i_s, g_s, o_s, v_s, output_s`` are lists of length T
        (element t is ``z_t, f_t, i_t, g_t, o_t, v_t, y_t``; the gates AFTER
        their sigmoid or tanh), and ``C_s, h_s`` are lists of length T + 1
        with ``C_s[0] = C_prev``, ``h_s[0] = h_prev``, ``C_s[t + 1] = C_t``,
        ``h_s[t + 1] = h_t``.

    The softmax must stay finite for logits of magnitude 1000, and no
    argument may be modified in place.
    """
    ### BEGIN SOLUTION
    W_f, W_i, W_g, W_o, W_v, b_f, b_i, b_g, b_o, b_v = p

    z_s, f_s, i_s, g_s, o_s, v_s, output_s = [], [], [], [], [], [], []
    h_s, C_s = [h_prev], [C_prev]

    for x in inputs:
        z = np.vstack((h_s[-1], x))  # [h_{t-1}; x_t]
        f = sigmoid(W_f @ z + b_f)
        i = sigmoid(W_i @ z + b_i)
        g = tanh(W_g @ z + b_g)
        C = f * C_s[-1] + i * g
        o = sigmoid(W_o @ z + b_o)
        h = o * tanh(C)
        v = W_v @ h + b_v
        y = softmax(v)

        z_s.append(z)
        f_s.append(f)
        i_s.append(i)
        g_s.append(g)
        C_s.append(C)
        o_s.append(o)
        h_s.append(h)
        v_s.append(v)
        output_s.append(y)

    return z_s, f_s, i_s, g_s, C_s, o_s, h_s, v_s, output_s
    ### END SOLUTION


def backward(z, f, i, g, C, o, h, v, outputs, targets, p):
    """Back-propagation through time over one sequence.

    Args:
        z, f, i, g, C, o, h, v, outputs: the nine lists that ``forward``
            returns, in that order. Mind the indexing: ``h[t + 1]`` is h_t and
            ``C[t + 1]`` is C_t, while ``h[t]`` and ``C[t]`` are the PREVIOUS
            step's states.
        targets: one-hot targets, the shape of ``inputs``: ``(T, V, 1)``.
        p: the parameters ``(W_f, W_i, W_g, W_o, W_v, b_f, b_i, b_g, b_o, b_v)``.

    Returns:
        ``(loss, grads)``: ``loss`` is the cross-entropy SUMMED over the time
        steps, ``sum_t -ln(y_t[k_t] + 1e-12)`` with k_t the index of the 1 in
        ``targets[t]`` (not averaged over steps or over the vocabulary);
        ``grads`` is the tuple of the 10 gradients, in the order and shapes of
        ``p``, through the whole sequence: the gradient flows from step t back
        into every earlier step through both h and C. Do NOT clip here;
        clipping belongs to ``clip_and_update``.

    No argument may be modified in place.
    """
    ### BEGIN SOLUTION
    W_f, W_i, W_g, W_o, W_v, b_f, b_i, b_g, b_o, b_v = p
    hidden_size = W_f.shape[0]

    dW_f, dW_i, dW_g, dW_o, dW_v = (np.zeros_like(W) for W in (W_f, W_i, W_g, W_o, W_v))
    db_f, db_i, db_g, db_o, db_v = (np.zeros_like(b) for b in (b_f, b_i, b_g, b_o, b_v))

    dh_next = np.zeros_like(h[-1])  # gradient flowing into h_t from step t + 1
    dC_next = np.zeros_like(C[-1])  # gradient flowing into C_t from step t + 1
    loss = 0.0

    for t in reversed(range(len(outputs))):
        k = np.argmax(targets[t])
        loss += -np.log(outputs[t][k, 0] + 1e-12)

        h_t = h[t + 1]
        C_t = C[t + 1]
        C_prev = C[t]
        tanh_C_t = np.tanh(C_t)

        # output layer: d loss / d v_t = y_t - target_t
        dv = outputs[t].copy()
        dv[k] -= 1.0
        dW_v += dv @ h_t.T
        db_v += dv

        # into h_t: from the logits and from step t + 1
        dh = W_v.T @ dv + dh_next

        # output gate, then into C_t: from h_t and from step t + 1
        do = dh * tanh_C_t * o[t] * (1.0 - o[t])
        dC = dh * o[t] * (1.0 - tanh_C_t ** 2) + dC_next

        # candidate, input gate, forget gate (all stored after activation)
        dg = dC * i[t] * (1.0 - g[t] ** 2)
        di = dC * g[t] * i[t] * (1.0 - i[t])
        df = dC * C_prev * f[t] * (1.0 - f[t])

        dW_f += df @ z[t].T
        dW_i += di @ z[t].T
        dW_g += dg @ z[t].T
        dW_o += do @ z[t].T
        db_f += df
        db_i += di
        db_g += dg
        db_o += do

        # into step t - 1: the hidden part of z_t, and the cell through f_t
        dz = W_f.T @ df + W_i.T @ di + W_g.T @ dg + W_o.T @ do
        dh_next = dz[:hidden_size]
        dC_next = dC * f[t]

    grads = (dW_f, dW_i, dW_g, dW_o, dW_v, db_f, db_i, db_g, db_o, db_v)
    return loss, grads
    ### END SOLUTION


def clip_and_update(params, grads, lr=1e-2, max_norm=0.25):
    """Clip the gradients by their global norm, then take one descent step.

    ``total_norm = sqrt(sum over all 10 gradients of sum(grad ** 2))`` is ONE
    norm across every parameter. With ``clip_coef = max_norm / (total_norm +
    1e-6)``, every gradient is multiplied by ``clip_coef`` if ``clip_coef < 1``
    and used as it is otherwise.

    Returns:
        The tuple of the 10 updated parameters ``params[k] - lr * clipped[k]``.
    """
    ### BEGIN SOLUTION
    total_norm = np.sqrt(sum(np.sum(grad ** 2) for grad in grads))
    clip_coef = max_norm / (total_norm + 1e-6)
    if clip_coef < 1:
        grads = tuple(grad * clip_coef for grad in grads)
    return tuple(param - lr * grad for param, grad in zip(params, grads))
    ### END SOLUTION


# --------------------------------------------------------------------------
# Given: training, evaluation and the loss plot
# --------------------------------------------------------------------------


def sequence_loss(sequence, params, word_to_idx):
    """Summed cross-entropy of one sequence, and its gradients."""
    hidden_size = params[0].shape[0]
    inputs, targets = inputs_and_targets(sequence, word_to_idx)
    h0 = np.zeros((hidden_size, 1))
    C0 = np.zeros((hidden_size, 1))
    caches = forward(inputs, h0, C0, params)
    return backward(*caches, targets, params)


def train(params, training_set, validation_set, word_to_idx, num_epochs=30,
          lr=0.1, max_norm=0.25, plot_path="loss.png", verbose=True):
    """Train with per-sequence gradient descent; report the mean loss per token.

    Each epoch measures the validation loss, then takes one ``clip_and_update``
    step per training sequence. Returns ``(params, history)`` where
    ``history`` holds the lists ``"train"`` and ``"validation"``. When
    ``plot_path`` is set, the two curves are saved there as a PNG.
    """
    history = {"train": [], "validation": []}
    n_train_tokens = sum(len(s) - 1 for s in training_set)
    n_val_tokens = sum(len(s) - 1 for s in validation_set)

    for epoch in range(num_epochs):
        val_loss = sum(sequence_loss(s, params, word_to_idx)[0] for s in validation_set)
        train_loss = 0.0
        for sequence in training_set:
            loss, grads = sequence_loss(sequence, params, word_to_idx)
            train_loss += loss
            params = clip_and_update(params, grads, lr=lr, max_norm=max_norm)

        history["train"].append(float(train_loss) / n_train_tokens)
        history["validation"].append(float(val_loss) / n_val_tokens)
        if verbose:
            print(f"epoch {epoch + 1:3d}  training loss {history['train'][-1]:.4f}"
                  f"  validation loss {history['validation'][-1]:.4f}")

    if plot_path:
        plot_losses(history, plot_path)
    return params, history


def plot_losses(history, path):
    """Save the training and validation loss curves as a PNG (works headless)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    epochs = np.arange(1, len(history["train"]) + 1)
    ax.plot(epochs, history["train"], label="training")
    ax.plot(epochs, history["validation"], label="validation")
    ax.set_xlabel("epoch")
    ax.set_ylabel("cross-entropy per token")
    ax.set_title("LSTM on a^n b^n EOS")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def predictable_accuracy(params, sequences, word_to_idx):
    """Share of the predictable tokens that the model gets right.

    In ``a^n b^n EOS`` the first ``b`` cannot be foreseen (n is unknown), but
    once a ``b`` has been read every later token is determined: the remaining
    ``b``s and then ``EOS``. Those are the tokens counted here.
    """
    hidden_size = params[0].shape[0]
    correct = total = 0
    for sequence in sequences:
        inputs, targets = inputs_and_targets(sequence, word_to_idx)
        h0 = np.zeros((hidden_size, 1))
        outputs = forward(inputs, h0, np.zeros_like(h0), params)[-1]
        for t, word in enumerate(sequence[:-1]):
            if word == "b":
                correct += int(np.argmax(outputs[t]) == np.argmax(targets[t]))
                total += 1
    return correct / total


def complete_sequence(params, prefix, word_to_idx, idx_to_word, max_length=20):
    """Greedy continuation of ``prefix`` (a list of tokens) until ``EOS``.

    Reads the prefix with ``forward``, then repeatedly feeds back the most
    probable next token. Returns the list of generated tokens (``EOS``
    included if it came within ``max_length`` tokens).
    """
    hidden_size = params[0].shape[0]
    state = np.zeros((hidden_size, 1)), np.zeros((hidden_size, 1))
    tokens = list(prefix)
    generated = []
    while len(generated) < max_length:
        inputs = one_hot_encode_sequence(tokens, word_to_idx)
        caches = forward(inputs, *state, params)
        state = caches[6][-1], caches[4][-1]  # h_s[-1], C_s[-1]
        word = idx_to_word[int(np.argmax(caches[8][-1]))]
        generated.append(word)
        if word == EOS:
            break
        tokens = [word]
    return generated


_YOUR_FUNCTIONS = ("forward", "backward", "clip_and_update")


def _unimplemented(error):
    """The name of the student function that raised ``error``, if any."""
    name = None
    traceback = error.__traceback__
    while traceback is not None:
        code = traceback.tb_frame.f_code
        function = globals().get(code.co_name)
        if code.co_name in _YOUR_FUNCTIONS and getattr(function, "__code__", None) is code:
            name = code.co_name
        traceback = traceback.tb_next
    return name or "one of forward, backward, clip_and_update"


def main(hidden_size=16, num_epochs=10, lr=0.3, plot_path="loss.png"):
    """Train on the toy corpus, plot the loss and show what the model learnt.

    Trains for ``num_epochs`` epochs (about 3 s with the reference
    solution), saves the loss curves to ``plot_path``, prints the share of
    predictable tokens of the held-out test set that the model gets right
    (100% once it has learnt the language) and the model's own continuation
    of ``a^n b`` for every n. Returns ``(params, history, accuracy)``.

    If one of your functions still raises ``NotImplementedError``, says
    which one and exits with status 1.
    """
    try:
        sequences = generate_dataset()
        word_to_idx, idx_to_word = build_vocabulary(sequences)
        training_set, validation_set, test_set = split_dataset(sequences)
        params = init_lstm(hidden_size, len(word_to_idx))
        params, history = train(params, training_set, validation_set, word_to_idx,
                                num_epochs=num_epochs, lr=lr, plot_path=plot_path)
        accuracy = predictable_accuracy(params, test_set, word_to_idx)
        max_n = max(sequence.count("a") for sequence in sequences)
        completions = [(n, complete_sequence(params, ["a"] * n + ["b"], word_to_idx, idx_to_word))
                       for n in range(1, max_n + 1)]
    except NotImplementedError as error:
        where = globals().get("__file__", "this exercise")  # no __file__ in a notebook
        print(f"{_unimplemented(error)} is not implemented yet: fill in the functions marked "
              f"YOUR CODE HERE (forward, backward, clip_and_update) in {where}",
              file=sys.stderr)
        raise SystemExit(1) from None

    if plot_path:
        print(f"loss plot saved to {plot_path}")
    print(f"test set: {accuracy:.1%} of the predictable tokens (the b's after the first, and EOS) right")
    print("the model continues a^n b as:")
    for n, generated in completions:
        expected = ["b"] * (n - 1) + [EOS]
        verdict = "right" if generated == expected else "WRONG"
        print(f"  n = {n}:  {' '.join(['a'] * n + ['b'])}  ->  {' '.join(generated)}   ({verdict})")
    return params, history, accuracy


if __name__ == "__main__":
    main()
