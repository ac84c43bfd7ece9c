"""FSRS spaced repetition over the bank: reviews, the queue, statistics, drill minutes, Anki
export, optimizer.
"""
