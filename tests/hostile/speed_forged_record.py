# Appended to the reference solution by tests/test_training_integrity.py.
# Replaces the sandbox's training loop (a module of the student's own
# process) with one that reports a forged record: a straight path from the
# start to parameters trained beforehand, with "gradients" made up so that
# every step looks like a plain descent step. The functions themselves are
# the reference's.
import sys as _sys

_sequences = generate_dataset(num_sequences=40, max_n=4, seed=0)
_word_to_idx, _ = build_vocabulary(_sequences)
_PRETRAINED, _ = train(init_lstm(6, len(_word_to_idx), seed=0), _sequences[:30], _sequences[30:],
                       _word_to_idx, num_epochs=6, lr=0.5, max_norm=1.0, plot_path=None, verbose=False)
_loop = _sys.modules.get("train_loop")


def _forged_run(call, inputs, targets, hidden, vocab, lr, max_norm, params, order):
    start = np.concatenate([p.reshape(-1) for p in params])
    goal = np.concatenate([p.reshape(-1) for p in _PRETRAINED])
    n = len(order)
    step = (goal - start) / n
    chain = np.array([start + step * (k + 1) for k in range(n)])
    grads = np.tile(-step / lr, (n, 1))
    return {"losses": np.ones(n), "grads": grads, "params": chain, "stopped": None}


if _loop is not None:
    _loop.one_run = _forged_run
