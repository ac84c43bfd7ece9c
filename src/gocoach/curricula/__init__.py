"""Roadmaps from Markdown: decoding, parsing, the item tree, import, progress, export, bundled
documents.
"""
