import json

import numpy as np
import pytest

from compare.errors import ModelError
from compare.logistic import Logistic, read_model


def test_logistic_standardises_only_when_fitted_with_a_scaler():
    plain = Logistic((2.0,), -1.0)
    assert plain.proba(np.array([[0.5]]))[0] == pytest.approx(0.5)
    scaled = Logistic((1.0,), 0.0, mean=(3.0,), scale=(2.0,))
    assert scaled.logit(np.array([[5.0]]))[0] == pytest.approx(1.0)


def test_a_model_fitted_on_other_features_asks_to_be_refitted(tmp_path):
    path = tmp_path / "m.json"
    path.write_text(json.dumps({"features": ["a", "b"], "coef": [1, 2], "intercept": 0}))
    assert Logistic.from_dict(read_model(path, ("a", "b"))).coef == (1, 2)
    with pytest.raises(ModelError, match="refit"):
        read_model(path, ("a",))
    path.write_text("{not json")
    with pytest.raises(ModelError, match="reinstall"):
        read_model(path)
