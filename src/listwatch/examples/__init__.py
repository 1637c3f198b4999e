"""Example input files shipped with the package (used by the README tour): ``holdings.csv`` for
``listwatch portfolio`` and ``customers.csv`` for ``listwatch screen-file``. ``listwatch examples DIR``
copies them out of an installed package."""
