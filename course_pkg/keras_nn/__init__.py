"""The tf.keras track. Importing this sub-package imports TensorFlow."""
