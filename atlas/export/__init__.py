"""Exports of every view: images (PNG, SVG, PDF), A4 documents and data downloads.

- `renderer`: the bounded pool of kaleido renderers in the system Chromium;
- `sizes`: print sizes (pixels, centimetres at 300 dpi, presets);
- `registry`: view name -> the pure functions that build its table and figures;
- `carte`: the vector map figure and table of the Carte view;
- `pdf`: A4 documents of text, tables and vector figures;
- `service`: one export from a view, a format and a query string (what the route runs).
"""
