"""East Asian Security Course Kit.

Cited datasets, maps, quizzes and nbgrader assignments for teaching East Asian
security around a 2022 Yomiuri Shimbun editorial on the Japan-US-ROK leaders'
meeting in Madrid.

>>> from eastasia_security import data
>>> data.list_datasets()[:3]
['sources', 'places', 'missile_types']
"""

__version__ = "0.1.0"
