/*
 * The playground's maths, without any drawing: seeded random numbers, the course's 2-D data sets and a
 * small multilayer perceptron trained with mini-batch SGD.
 *
 * It follows course_pkg.numpy_nn step by step, batch-first like Keras:
 *
 *   Z = X @ W + b          X (N, D), W (D, M), b (M,)  ->  Z (N, M)
 *   A = activation(Z)      hidden layers: tanh, relu or sigmoid; output layer: softmax over C classes
 *
 * and uses the same names: layerSizes = [D, M1, ..., C], W and b, dW and db, learningRate, seed, l2.
 * Matrices are plain arrays of rows (number[][]) of float64 numbers, as in the Python track, so that
 * a test can compare the two on the same weights.
 *
 * Everything is exported as window.nnPlayground.nn; playground.js draws it on the page.
 */
(function (global) {
  "use strict";

  // ------------------------------------------------------------------ seeded random numbers

  /**
   * Return a seeded random generator: the same seed gives the same numbers in every browser.
   * (Bit-equality with NumPy's generator is not the aim; the same recipes and distributions are.)
   */
  function makeRng(seed) {
    if (!Number.isInteger(seed) || seed < 0) {
      throw new TypeError(`makeRng: expected seed as an integer >= 0; got ${seed}. Pass e.g. 0.`);
    }
    // mulberry32: a tiny 32-bit generator, plenty for drawing data and initial weights.
    let state = seed >>> 0;
    function nextUint32() {
      state = (state + 0x6d2b79f5) >>> 0;
      let t = state;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return (t ^ (t >>> 14)) >>> 0;
    }
    let spareNormal = null; // Box-Muller makes normals in pairs: keep the second for the next call
    return {
      /** Uniform in [0, 1) with 53 random bits, like Generator.random(). */
      random() {
        const high = nextUint32() >>> 5; // 27 bits
        const low = nextUint32() >>> 6; // 26 bits
        return (high * 67108864 + low) / 9007199254740992;
      },
      uniform(low, high) {
        return low + (high - low) * this.random();
      },
      /** A draw from N(0, 1), like Generator.standard_normal(). */
      standardNormal() {
        if (spareNormal !== null) {
          const z = spareNormal;
          spareNormal = null;
          return z;
        }
        const u = 1 - this.random(); // in (0, 1], so log(u) is finite
        const angle = 2 * Math.PI * this.random();
        const radius = Math.sqrt(-2 * Math.log(u));
        spareNormal = radius * Math.sin(angle);
        return radius * Math.cos(angle);
      },
      /** A random order of 0 .. n-1 (Fisher-Yates), like Generator.permutation(n). */
      permutation(n) {
        const order = Array.from({ length: n }, (_, i) => i);
        for (let i = n - 1; i > 0; i--) {
          const j = Math.floor(this.random() * (i + 1));
          [order[i], order[j]] = [order[j], order[i]];
        }
        return order;
      },
    };
  }

  // ------------------------------------------------------------------ the 2-D data sets

  /** n evenly spaced numbers from start to stop, like np.linspace (stop left out if !endpoint). */
  function linspace(start, stop, n, endpoint = true) {
    const intervals = endpoint ? n - 1 : n;
    return Array.from({ length: n }, (_, i) => (intervals > 0 ? start + ((stop - start) * i) / intervals : start));
  }

  /** Rows in a random order, labels kept with their points. */
  function shuffled(X, y, rng) {
    const order = rng.permutation(y.length);
    return { X: order.map((i) => X[i]), y: order.map((i) => y[i]) };
  }

  /** Add Gaussian noise of standard deviation `noise` to each coordinate of each point. */
  function jitter(points, noise, rng) {
    return points.map(([x1, x2]) => [x1 + noise * rng.standardNormal(), x2 + noise * rng.standardNormal()]);
  }

  /** Four Gaussian clusters at the corners of the unit square, labelled XOR (course_pkg.data.make_xor). */
  function makeXor(nSamples, noise, rng) {
    const corners = [[0, 0], [0, 1], [1, 0], [1, 1]];
    const labels = [0, 1, 1, 0];
    const corner = Array.from({ length: nSamples }, (_, i) => i % 4); // which corner each point belongs to
    const X = jitter(corner.map((c) => corners[c]), noise, rng);
    return shuffled(X, corner.map((c) => labels[c]), rng);
  }

  /** Two interleaving half circles (course_pkg.data.make_moons). */
  function makeMoons(nSamples, noise, rng) {
    const nUpper = Math.floor(nSamples / 2);
    const upper = linspace(0, Math.PI, nUpper).map((t) => [Math.cos(t), Math.sin(t)]);
    const lower = linspace(0, Math.PI, nSamples - nUpper).map((t) => [1 - Math.cos(t), 0.5 - Math.sin(t)]);
    const y = [...upper.map(() => 0), ...lower.map(() => 1)];
    return shuffled(jitter([...upper, ...lower], noise, rng), y, rng);
  }

  /** A small circle (label 1) inside a large one of radius 1 (course_pkg.data.make_circles). */
  function makeCircles(nSamples, noise, factor, rng) {
    const nOuter = Math.floor(nSamples / 2);
    const outer = linspace(0, 2 * Math.PI, nOuter, false).map((t) => [Math.cos(t), Math.sin(t)]);
    const inner = linspace(0, 2 * Math.PI, nSamples - nOuter, false)
      .map((t) => [factor * Math.cos(t), factor * Math.sin(t)]);
    const y = [...outer.map(() => 0), ...inner.map(() => 1)];
    return shuffled(jitter([...outer, ...inner], noise, rng), y, rng);
  }

  /** Interleaved spiral arms, one per class: angle t = 4c + 4r + noise (course_pkg.data.make_spiral). */
  function makeSpiral(nSamples, nClasses, noise, rng) {
    const X = [];
    const y = [];
    for (let c = 0; c < nClasses; c++) {
      const count = Math.floor(nSamples / nClasses) + (c < nSamples % nClasses ? 1 : 0);
      for (const r of linspace(0, 1, count)) {
        const t = 4 * c + 4 * r + noise * rng.standardNormal();
        X.push([r * Math.sin(t), r * Math.cos(t)]);
        y.push(c);
      }
    }
    return shuffled(X, y, rng);
  }

  /** Isotropic Gaussian blobs around centres drawn uniformly in [-5, 5]^2 (course_pkg.data.make_blobs). */
  function makeBlobs(nSamples, nCenters, clusterStd, rng) {
    const centres = Array.from({ length: nCenters }, () => [rng.uniform(-5, 5), rng.uniform(-5, 5)]);
    const blob = Array.from({ length: nSamples }, (_, i) => i % nCenters); // which blob each point belongs to
    return shuffled(jitter(blob.map((k) => centres[k]), clusterStd, rng), blob, rng);
  }

  /** The data sets of the playground chapter, with the sizes and noise levels of its Python gallery. */
  const DATASETS = {
    xor: { nClasses: 2, make: (rng) => makeXor(200, 0.15, rng) },
    circles: { nClasses: 2, make: (rng) => makeCircles(200, 0.1, 0.5, rng) },
    moons: { nClasses: 2, make: (rng) => makeMoons(200, 0.15, rng) },
    spiral: { nClasses: 3, make: (rng) => makeSpiral(300, 3, 0.2, rng) },
    blobs: { nClasses: 3, make: (rng) => makeBlobs(200, 3, 1.0, rng) },
  };

  /**
   * Scale each column to mean 0 and standard deviation 1 (population std, like data.Standardizer),
   * so that one learning rate suits every data set. A constant column is only centred.
   */
  function standardize(X) {
    const D = X[0].length;
    const mean = Array.from({ length: D }, (_, d) => X.reduce((s, row) => s + row[d], 0) / X.length);
    const std = mean.map((m, d) => Math.sqrt(X.reduce((s, row) => s + (row[d] - m) ** 2, 0) / X.length));
    const scale = std.map((s, d) => (s <= 1e-12 * (1 + Math.abs(mean[d])) ? 1 : s));
    return X.map((row) => row.map((v, d) => (v - mean[d]) / scale[d]));
  }

  /**
   * Draw one of DATASETS and standardise it. The data have their own seed (0 by default, like the
   * Python playground), so that the playground's seed changes only the weights and the batch order.
   * Returns { X (N, 2), y (N,) integer classes, nClasses }.
   */
  function loadDataset(name, seed = 0) {
    const spec = DATASETS[name];
    if (!spec) {
      throw new RangeError(`loadDataset: expected one of ${Object.keys(DATASETS).join(", ")}; got "${name}".`);
    }
    const { X, y } = spec.make(makeRng(seed));
    return { X: standardize(X), y, nClasses: spec.nClasses };
  }

  // ------------------------------------------------------------------ small matrix helpers

  /** A @ B for A (N, K) and B (K, M). */
  function matmul(A, B) {
    const K = B.length;
    const M = K ? B[0].length : 0;
    return A.map((row) => {
      const out = new Array(M).fill(0);
      for (let k = 0; k < K; k++) {
        const a = row[k];
        const Bk = B[k];
        for (let m = 0; m < M; m++) out[m] += a * Bk[m];
      }
      return out;
    });
  }

  function transpose(A) {
    return A.length ? A[0].map((_, j) => A.map((row) => row[j])) : [];
  }

  /** Sum over the batch (rows): the b-gradient dZ.sum(axis=0). */
  function sumRows(A) {
    return A[0].map((_, j) => A.reduce((s, row) => s + row[j], 0));
  }

  function zeros(rows, cols) {
    return Array.from({ length: rows }, () => new Array(cols).fill(0));
  }

  // ------------------------------------------------------------------ activations

  // Each activation's derivative sits next to it and takes the pre-activation z, as in
  // course_pkg.numpy_nn.activations. The exp(-|z|) forms are the Python track's: they never overflow
  // and stay accurate in the tails, where 1 - tanh(z)**2 would lose every digit to rounding.
  const ACTIVATIONS = {
    tanh: {
      forward: (z) => Math.tanh(z),
      grad(z) {
        const e = Math.exp(-2 * Math.abs(z));
        return (4 * e) / ((1 + e) * (1 + e));
      },
    },
    relu: {
      forward: (z) => Math.max(z, 0), // Math.max keeps NaN, so a diverging run is noticed
      grad: (z) => (z > 0 ? 1 : 0),
    },
    sigmoid: {
      forward(z) {
        const e = Math.exp(-Math.abs(z));
        return z >= 0 ? 1 / (1 + e) : e / (1 + e);
      },
      grad(z) {
        const e = Math.exp(-Math.abs(z));
        return e / ((1 + e) * (1 + e));
      },
    },
  };

  /** Softmax of each row, shifted by the row's maximum so that no exponent is positive. */
  function softmax(Z) {
    return Z.map((row) => {
      const m = Math.max(...row);
      const e = row.map((z) => Math.exp(z - m));
      const total = e.reduce((s, v) => s + v, 0);
      return e.map((v) => v / total);
    });
  }

  /**
   * Softmax followed by cross-entropy, fused (course_pkg's softmax_cross_entropy): the mean over the
   * batch of -log softmax(logits)[n, y[n]], by log-sum-exp, and its gradient
   * dlogits = (softmax(logits) - Y) / N with Y the one-hot labels. logits (N, C), y (N,).
   */
  function softmaxCrossEntropy(logits, y) {
    const N = logits.length;
    let total = 0;
    const dlogits = logits.map((row, n) => {
      const m = Math.max(...row);
      const logSum = Math.log(row.reduce((s, z) => s + Math.exp(z - m), 0));
      const logProbs = row.map((z) => z - m - logSum); // (C,)
      total -= logProbs[y[n]];
      return logProbs.map((lp, c) => (Math.exp(lp) - (c === y[n] ? 1 : 0)) / N);
    });
    return { loss: total / N, dlogits };
  }

  // ------------------------------------------------------------------ the network

  // Keras (and course_pkg) draw He-normal weights from a normal truncated at two standard deviations,
  // then divide by the standard deviation of that truncated unit normal so the weights keep sqrt(2/D).
  const TRUNCATED_STD = 0.87962566103423978;

  function truncatedNormal(rng) {
    let z;
    do z = rng.standardNormal();
    while (Math.abs(z) > 2);
    return z;
  }

  /** Initial weights (D, M): "he_normal" (for ReLU layers) or "glorot_uniform" (Keras' default). */
  function initWeights(init, fanIn, fanOut, rng) {
    if (init === "he_normal") {
      const std = Math.sqrt(2 / fanIn) / TRUNCATED_STD;
      return zeros(fanIn, fanOut).map((row) => row.map(() => std * truncatedNormal(rng)));
    }
    if (init === "glorot_uniform") {
      const limit = Math.sqrt(6 / (fanIn + fanOut));
      return zeros(fanIn, fanOut).map((row) => row.map(() => rng.uniform(-limit, limit)));
    }
    throw new RangeError(`initWeights: expected init "he_normal" or "glorot_uniform"; got "${init}".`);
  }

  function checkActivation(name, where) {
    if (!Object.hasOwn(ACTIVATIONS, name)) {
      throw new RangeError(`${where}: expected activation ${Object.keys(ACTIVATIONS).join(", ")}; got "${name}".`);
    }
  }

  /**
   * A new MLP like course_pkg's MLP(layerSizes, hidden_activation, output_activation="softmax"):
   * He-normal weights for ReLU layers, Glorot-uniform otherwise, zero biases.
   * layerSizes = [D, M1, ..., C]; rng from makeRng(seed). Returns { layerSizes, layers: [{W, b, activation}] }.
   */
  function createMLP(layerSizes, hiddenActivation, rng) {
    checkActivation(hiddenActivation, "createMLP");
    if (layerSizes.length < 2 || !layerSizes.every((n) => Number.isInteger(n) && n >= 1)) {
      throw new RangeError(`createMLP: expected layerSizes such as [2, 8, 3] (integers >= 1); got [${layerSizes}].`);
    }
    const layers = [];
    for (let i = 0; i + 1 < layerSizes.length; i++) {
      const activation = i + 2 === layerSizes.length ? "softmax" : hiddenActivation;
      const init = activation === "relu" ? "he_normal" : "glorot_uniform";
      const W = initWeights(init, layerSizes[i], layerSizes[i + 1], rng); // (D, M)
      layers.push({ W, b: new Array(layerSizes[i + 1]).fill(0), activation });
    }
    return { layerSizes: [...layerSizes], layers };
  }

  /**
   * An MLP with given weights [W1, b1, W2, b2, ...] in Keras' layout (MLP.set_weights): W (D, M),
   * b (M,). The arrays are copied. Used by the tests to compare with the Python track.
   */
  function mlpFromWeights(weights, hiddenActivation) {
    checkActivation(hiddenActivation, "mlpFromWeights");
    const layers = [];
    for (let i = 0; i < weights.length; i += 2) {
      const W = weights[i].map((row) => [...row]);
      const b = [...weights[i + 1]];
      const inputs = layers.length ? layers[layers.length - 1].b.length : W.length;
      if (W.length !== inputs || b.length !== W[0].length) {
        throw new RangeError(
          `mlpFromWeights: expected weights[${i}] of shape (${inputs}, M) and weights[${i + 1}] of shape (M,); ` +
            `got (${W.length}, ${W[0].length}) and (${b.length},). ` +
            "Pass [W1, b1, W2, b2, ...] as MLP.get_weights() returns them.",
        );
      }
      layers.push({ W, b, activation: hiddenActivation });
    }
    layers[layers.length - 1].activation = "softmax";
    return { layerSizes: [layers[0].W.length, ...layers.map((l) => l.b.length)], layers };
  }

  /** The weights as [W1, b1, W2, b2, ...] (copies), as MLP.get_weights() returns them. */
  function getWeights(net) {
    return net.layers.flatMap((layer) => [layer.W.map((row) => [...row]), [...layer.b]]);
  }

  /** Refuse a batch that does not fit the network, rather than compute NaN from undefined entries. */
  function checkBatch(net, X, y, where) {
    const D = net.layerSizes[0];
    const C = net.layerSizes[net.layerSizes.length - 1];
    if (!Array.isArray(X) || X.length === 0 || !X.every((row) => row.length === D)) {
      throw new RangeError(`${where}: expected X as a non-empty array of rows of ${D} numbers (N, ${D}); ` +
        `got ${Array.isArray(X) ? `${X.length} rows, the first of length ${X[0]?.length}` : typeof X}.`);
    }
    if (y !== undefined && (y.length !== X.length || !y.every((label) => Number.isInteger(label) && label >= 0 && label < C))) {
      throw new RangeError(`${where}: expected y as ${X.length} integer labels in 0 .. ${C - 1}, one per row of X; ` +
        `got ${y.length} labels from ${Math.min(...y)} to ${Math.max(...y)}.`);
    }
  }

  /**
   * The forward pass on X (N, D). Returns Z[i] and A[i + 1] of every layer i (A[0] = X) and the class
   * probabilities (the softmax output, N x C), so that each hidden unit can be drawn.
   */
  function forward(net, X) {
    checkBatch(net, X, undefined, "forward");
    const Z = [];
    const A = [X];
    for (const layer of net.layers) {
      const Zi = matmul(A[A.length - 1], layer.W); // (N, M)
      for (const row of Zi) row.forEach((z, m) => (row[m] = z + layer.b[m])); // in place: Zi is our own fresh array
      const f = layer.activation === "softmax" ? null : ACTIVATIONS[layer.activation].forward;
      Z.push(Zi);
      A.push(f ? Zi.map((row) => row.map(f)) : softmax(Zi)); // (N, M)
    }
    return { Z, A, probs: A[A.length - 1] };
  }

  /** Sum of the squares of every weight matrix (biases are not regularised). */
  function sumSquaredWeights(net) {
    const squares = (row) => row.reduce((s, w) => s + w * w, 0);
    return net.layers.reduce((s, layer) => s + layer.W.reduce((t, row) => t + squares(row), 0), 0);
  }

  /**
   * The loss on a batch and the gradient of every parameter: forward, fused softmax cross-entropy,
   * backward through every layer (course_pkg's MLP.loss_and_grads).
   *
   * L2 regularisation adds l2 * sum(W**2) over the weight matrices (not the biases) to the loss, so
   * each dW gains 2 * l2 * W: the convention of keras.regularizers.L2(l2). (Some texts write
   * l2/2 * sum(W**2), whose gradient is l2 * W; same idea, a factor 2 apart in the strength.)
   *
   * X (N, D), y (N,) integer classes. Returns { loss, grads: [{W: dW (D, M), b: db (M,)}, ...],
   * nCorrect (predictions right before the update), forward }.
   */
  function lossAndGrads(net, X, y, l2 = 0) {
    checkBatch(net, X, y, "lossAndGrads");
    if (!(l2 >= 0)) throw new RangeError(`lossAndGrads: expected l2 >= 0; got ${l2}.`);
    const fwd = forward(net, X);
    const last = net.layers.length - 1;
    const { loss, dlogits } = softmaxCrossEntropy(fwd.Z[last], y);
    const grads = new Array(net.layers.length);
    let dZ = dlogits; // (N, C): softmax and cross-entropy together give (probs - Y) / N
    for (let i = last; i >= 0; i--) {
      const layer = net.layers[i];
      const dW = matmul(transpose(fwd.A[i]), dZ); // (D, M)
      const db = sumRows(dZ); // (M,)
      if (i > 0) {
        const dA = matmul(dZ, transpose(layer.W)); // (N, D): the gradient of the layer below's output
        const { grad } = ACTIVATIONS[net.layers[i - 1].activation];
        dZ = dA.map((row, n) => row.map((g, m) => g * grad(fwd.Z[i - 1][n][m]))); // (N, D)
      }
      grads[i] = { W: dW.map((row, d) => row.map((g, m) => g + 2 * l2 * layer.W[d][m])), b: db };
    }
    const nCorrect = fwd.Z[last].filter((row, n) => argmax(row) === y[n]).length;
    return { loss: loss + l2 * sumSquaredWeights(net), grads, nCorrect, forward: fwd };
  }

  function argmax(row) {
    return row.reduce((best, v, j) => (v > row[best] ? j : best), 0);
  }

  /** Plain SGD, in place: p = p - learningRate * g for every W and b (course_pkg's SGD, no momentum). */
  function sgdStep(net, grads, learningRate) {
    net.layers.forEach((layer, i) => {
      layer.W.forEach((row, d) => row.forEach((w, m) => (row[m] = w - learningRate * grads[i].W[d][m])));
      layer.b.forEach((b, m) => (layer.b[m] = b - learningRate * grads[i].b[m]));
    });
  }

  // ------------------------------------------------------------------ training

  /** Thrown when the loss stops being a finite number: training diverged. */
  class TrainingDivergedError extends Error {}

  /**
   * Mini-batch SGD on one data set, one batch at a time so that the page can draw between batches.
   * Like MLP.fit: one permutation of the samples per epoch cut into contiguous batches (the last one
   * keeps the remainder); an epoch's loss and accuracy are the size-weighted means of the batch values,
   * each computed before its update; history is shaped like keras.callbacks.History.history.
   * learningRate, batchSize and l2 may change between batches; the seed draws the initial weights,
   * then the batch order, from one stream.
   */
  class Trainer {
    constructor({ X, y, nClasses, hidden, activation, seed, learningRate, batchSize, l2 }) {
      this.X = X;
      this.y = y;
      this.rng = makeRng(seed);
      this.net = createMLP([X[0].length, ...hidden, nClasses], activation, this.rng);
      this.learningRate = learningRate;
      this.batchSize = batchSize;
      this.l2 = l2;
      this.epoch = 0; // completed epochs
      this.history = { loss: [], accuracy: [] };
      this.order = null; // this epoch's permutation, drawn at its first batch
      this.cursor = 0;
      this.epochLoss = 0;
      this.epochCorrect = 0;
    }

    /** One SGD step on the next mini-batch; returns the batch's loss (before the update). */
    trainBatch() {
      if (this.order === null) {
        this.order = this.rng.permutation(this.y.length);
        this.cursor = 0;
      }
      const idx = this.order.slice(this.cursor, this.cursor + this.batchSize);
      const Xb = idx.map((i) => this.X[i]); // (B, D)
      const yb = idx.map((i) => this.y[i]); // (B,)
      const { loss, grads, nCorrect } = lossAndGrads(this.net, Xb, yb, this.l2);
      if (!Number.isFinite(loss)) {
        throw new TrainingDivergedError(
          `the loss became ${loss} at epoch ${this.epoch + 1}: training diverged; use a smaller learning rate ` +
            `(${this.learningRate} now) and press Reset.`,
        );
      }
      sgdStep(this.net, grads, this.learningRate);
      this.epochLoss += loss * idx.length;
      this.epochCorrect += nCorrect;
      this.cursor += idx.length;
      if (this.cursor >= this.y.length) {
        this.history.loss.push(this.epochLoss / this.y.length);
        this.history.accuracy.push(this.epochCorrect / this.y.length);
        this.epoch += 1;
        this.order = null;
        this.epochLoss = 0;
        this.epochCorrect = 0;
      }
      return loss;
    }

    /** Finish the current epoch (or train a whole one). */
    trainEpoch() {
      const epoch = this.epoch;
      while (this.epoch === epoch) this.trainBatch();
    }
  }

  global.nnPlayground = Object.assign(global.nnPlayground || {}, {
    nn: {
      makeRng,
      makeXor,
      makeCircles,
      makeMoons,
      makeSpiral,
      makeBlobs,
      DATASETS,
      loadDataset,
      standardize,
      ACTIVATIONS,
      softmax,
      softmaxCrossEntropy,
      createMLP,
      mlpFromWeights,
      getWeights,
      forward,
      lossAndGrads,
      sgdStep,
      argmax,
      Trainer,
      TrainingDivergedError,
    },
  });
})(window);
