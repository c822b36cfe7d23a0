def helper():
    return 1 / 0


VALUE = helper()
