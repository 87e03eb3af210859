from pathlib import Path

import pytest

from cz4042 import rule


def test_a_package_from_another_checkout_is_refused(tmp_path):
    """One environment, two checkouts: the rule scripts of the second must not run the
    first one's code."""
    this = Path(rule.__file__).resolve().parents[1]
    rule.check_package_is_this_workflows(str(this))
    with pytest.raises(SystemExit, match=f"imports cz4042 from {this / 'cz4042'}, but this workflow's package is "
                                         f"{tmp_path / 'cz4042'}"):
        rule.check_package_is_this_workflows(str(tmp_path))
