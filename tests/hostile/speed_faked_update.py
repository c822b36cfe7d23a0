# Appended to the reference solution by tests/test_training_integrity.py.
# clip_and_update recognises the training run (its lr, max_norm and shapes)
# and answers with parameters trained beforehand, at import, by this file's
# own correct functions: the validation loss falls, but not by the updates
# the grader asked for.
_honest_clip_and_update = clip_and_update
_sequences = generate_dataset(num_sequences=40, max_n=4, seed=0)
_word_to_idx, _ = build_vocabulary(_sequences)
_PRETRAINED, _ = train(init_lstm(6, len(_word_to_idx), seed=0), _sequences[:30], _sequences[30:],
                       _word_to_idx, num_epochs=6, lr=0.5, max_norm=1.0, plot_path=None, verbose=False)


def clip_and_update(params, grads, lr=1e-2, max_norm=0.25):
    if lr == 0.5 and max_norm == 1.0 and params[0].shape == (6, 10):
        return tuple(p.copy() for p in _PRETRAINED)
    return _honest_clip_and_update(params, grads, lr=lr, max_norm=max_norm)
