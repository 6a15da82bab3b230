def test_progress_bars_stay_off_unless_turned_on(capsys):
    from compare import progress

    progress.enable(False)
    assert list(progress.track(range(100), 100, "x")) == list(range(100))
    assert capsys.readouterr().err == ""
    progress.enable(True)
    try:
        assert list(progress.track(range(100), 100, "counting")) == list(range(100))
        assert "counting" in capsys.readouterr().err
        assert list(progress.track(range(3), 3, "small")) == [0, 1, 2]  # too little work to show
        assert "small" not in capsys.readouterr().err
    finally:
        progress.enable(False)
