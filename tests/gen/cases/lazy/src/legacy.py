# Nothing to check here, so its syntax error is reported only with
# --parse-all.
def broken(:
    return 1
