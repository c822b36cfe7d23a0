import time
time.sleep(1e9)
