"""results/ remembers the protocol that made it: a call with another protocol is refused."""

import pytest
import yaml

from cz4042 import protocol_mark
from cz4042.errors import PipelineError

DEFAULTS = ["config.yaml", "config.local.yaml"]


def test_a_fresh_results_folder_takes_any_protocol_and_records_the_first(tmp_path):
    mark = tmp_path / "results" / "protocol.yaml"
    protocol_mark.check("quick", DEFAULTS + ["overlays/quick.yaml"], mark)
    protocol_mark.write("quick", DEFAULTS + ["overlays/quick.yaml"], mark)
    assert yaml.safe_load(mark.read_text()) == {"protocol_name": "quick", "configfiles": ["overlays/quick.yaml"]}
    protocol_mark.write("report", DEFAULTS, mark)  # the first stays
    protocol_mark.check("quick", DEFAULTS + ["overlays/quick.yaml"], mark)


def test_a_call_that_forgets_the_overlay_is_refused_naming_both_and_the_flag(tmp_path):
    mark = tmp_path / "protocol.yaml"
    protocol_mark.write("quick", DEFAULTS + ["overlays/quick.yaml"], mark)
    with pytest.raises(PipelineError) as error:
        protocol_mark.check("report", DEFAULTS, mark)
    message = str(error.value)
    assert "'quick'" in message and "'report'" in message and "repeat --configfile overlays/quick.yaml" in message
    assert "\n" not in message


def test_the_overlays_are_named_as_a_user_types_them(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert protocol_mark.overlays([str(tmp_path / "config.yaml"), str(tmp_path / "overlays/quick.yaml"),
                                   "/elsewhere/x.yaml"]) == ["overlays/quick.yaml", "/elsewhere/x.yaml"]


def test_an_unreadable_mark_names_its_file(tmp_path):
    mark = tmp_path / "protocol.yaml"
    mark.write_text("[not, a, mapping]\n")
    with pytest.raises(PipelineError, match="protocol.yaml: unreadable"):
        protocol_mark.check("report", DEFAULTS, mark)
