"""Print the Markdown reference line of each source id, for a lesson's readings and references.

    python tools/reference.py whitehouse-2023-08-18-camp-david-principles mofa-ja-2022-06-28-dinner
"""

import sys

from eastasia_security import data

if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    for source_id in sys.argv[1:]:
        print(f"- {data.reference(source_id)}")
