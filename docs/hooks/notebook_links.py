"""MkDocs hook: links and pictures from a notebook's text to other files of the site.

A notebook links to a results page, or shows a picture, as it lies beside it in the repository
(``../results/vision.md``, ``../results/deploy_page.png``), which Jupyter and GitHub follow. mkdocs-jupyter renders each notebook
at ``notebooks/NAME/`` and leaves such links as they are, so on the site they would point
nowhere; this hook rewrites each one to the URL of the file it names, relative to the notebook's
page, and fails the build on a link to a file that does not exist."""
import posixpath
import re

from mkdocs.exceptions import PluginError
from mkdocs.utils import get_relative_url

LINK = re.compile(r'(href|src)="(?!https?:|#|mailto:|data:)([^"#]+\.(?:md|png|jpg|svg))(#[^"]*)?"')


def on_page_content(html, page, files, **kwargs):
    if not page.file.src_uri.endswith(".ipynb"):
        return html
    folder = posixpath.dirname(page.file.src_uri)

    def rewrite(match):
        attribute, link, anchor = match.groups()
        target = posixpath.normpath(posixpath.join(folder, link))
        file = files.get_file_from_path(target)
        if file is None:
            raise PluginError(f"{page.file.src_uri}: link to {link}, but {target} is not a file "
                              f"of the site")
        return f'{attribute}="{get_relative_url(file.url, page.url)}{anchor or ""}"'

    return LINK.sub(rewrite, html)
