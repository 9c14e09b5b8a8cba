"""SpotHive interruption-risk model: features, training, evaluation and serving."""
