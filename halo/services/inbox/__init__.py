"""Reading the inbox: views and their counts, filters and segments, search, the
sidebar counters and the change stamps that let pages keep what they rendered.
"""
