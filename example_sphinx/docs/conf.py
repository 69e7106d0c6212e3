# The example Sphinx project: the seed figure, in reST and MyST.
# Build it with:  sphinx-build -W -b html example_sphinx/docs example_sphinx/_build/html
project = "Where does the model know it is wrong?"
author = "The probing study's authors"
extensions = ["myst_parser", "mkdocs_heatmap.sphinx"]
html_theme = "furo"
numfig = True  # Sphinx numbers the figures; :numref: finds them
numfig_secnum_depth = 0  # Fig. 1, 2, 3 in HTML and in the LaTeX PDF alike

# The heatmap_* values are the MkDocs plugin's options, prefixed.
heatmap_project_root = ".."  # data paths starting with / are relative to it
heatmap_theme = "auto"  # a light and a dark variant, switched by Furo's toggle
heatmap_defaults = {"cmap": "Blues", "vmin": 0.5, "vmax": 1.0, "colorbar": {"label": "AUC"}}

# In MyST, a plain ```heatmap fence (the MkDocs syntax) is the directive too.
myst_fence_as_directive = ["heatmap"]
exclude_patterns = ["_build"]
