"""The playground: nnscalar training live in the browser (Pyodide), built as a static folder.

`playground` is the session the page's Web Worker runs; `build` writes the folder (`make site`).
"""
