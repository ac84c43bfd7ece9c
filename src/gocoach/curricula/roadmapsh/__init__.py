"""roadmap.sh roadmaps: their JSON graph plus a Markdown file per topic, read into the tree the
Markdown importer makes.

roadmap.sh publishes each roadmap as a folder (`src/data/roadmaps/<name>/` of
kamranahmedse/developer-roadmap): `<name>.json` and `content/`. bundle.py makes a folder, its
JSON file or a .zip of it into one bundle; reader.py parses a bundle, with graph.py (the current
React Flow format) or mockup.py (the legacy Balsamiq one), and content.py for the content files.
"""

from gocoach.curricula.roadmapsh.bundle import Bundle, pack_folder
from gocoach.curricula.roadmapsh.content import Link, read_content
from gocoach.curricula.roadmapsh.reader import is_roadmapsh, read_roadmapsh

__all__ = ["Bundle", "Link", "is_roadmapsh", "pack_folder", "read_content", "read_roadmapsh"]
