"""Sphinx configuration: the user guide (Markdown through MyST), the API
reference from the docstrings (numpydoc), and the gallery of examples
(sphinx-gallery runs docs/examples/plot_*.py and keeps their figures).

Build: ``pip install '.[docs]'`` then ``python -m sphinx -W -b html docs
docs/_build/html`` (CI builds with -W: a warning is an error).
"""

import pyminpack

project = "pyminpack"
author = "the pyminpack developers"
copyright = "the pyminpack developers; MINPACK: University of Chicago"
release = pyminpack.__version__
version = ".".join(release.split(".")[:2])

extensions = [
    "myst_parser",
    "numpydoc",
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "sphinx.ext.mathjax",
    "sphinx_gallery.gen_gallery",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
exclude_patterns = ["_build", "examples/README.txt"]
myst_enable_extensions = ["colon_fence", "dollarmath"]
myst_heading_anchors = 3

autosummary_generate = True
autodoc_typehints = "none"          # the signatures say it; numpydoc documents types
numpydoc_show_class_members = False
numpydoc_xref_param_type = False

# Links to the libraries the docs mention; the build stays offline-safe
# because a missing inventory is only a warning... which -W would make an
# error, so none is fetched: references to numpy/scipy are plain text.
intersphinx_mapping = {}

sphinx_gallery_conf = {
    "examples_dirs": "examples",
    "gallery_dirs": "gallery",
    "filename_pattern": r"plot_",
    "download_all_examples": False,
    "remove_config_comments": True,
    "plot_gallery": "True",
}

html_theme = "pydata_sphinx_theme"
html_title = "pyminpack"
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
}
