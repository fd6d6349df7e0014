"""Backtest executors: each runs a set of detections over events and returns a BacktestResult."""
