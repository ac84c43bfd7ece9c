"""The question bank: format, track files, loading, search, pages, Go examples, rendering, links
to roadmap items.
"""
