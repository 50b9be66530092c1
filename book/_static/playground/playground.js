/*
 * The playground on the page: controls, the training loop and the drawings. The maths is in nn.js
 * (window.nnPlayground.nn); this file wires it to the page.
 *
 * Every element with the class "nn-playground" becomes a playground. Its data-* attributes choose the
 * starting settings, e.g. <div class="nn-playground" data-dataset="xor" data-hidden-layers="2"></div>
 * (dataset, hidden-layers, units, activation, learning-rate, batch-size, l2, seed).
 */
(function (global) {
  "use strict";
  const nn = global.nnPlayground.nn;

  // Mini-batch steps between two drawings: training is quick to watch, and a frame (steps + drawing)
  // stays under about 30 ms even for four hidden layers of 16 units, so the page never stalls.
  const STEPS_PER_FRAME = 5;
  const GRID = 50; // points per axis at which the boundary and the hidden units are evaluated
  const PADDING = 0.5; // margin around the data in the drawings, as in course_pkg.plotting
  const RAMP_STEPS = 64; // shades per colour ramp, computed once per theme: no colour is built per pixel

  // The settings, their choices and what they are called on the page. Changing a setting marked
  // `restart` starts a new network; the others apply from the next mini-batch on.
  const SETTINGS = [
    { key: "dataset", label: "Data set", choices: Object.keys(nn.DATASETS), initial: "circles", restart: true },
    { key: "hiddenLayers", label: "Hidden layers", choices: [0, 1, 2, 3, 4], initial: 1, restart: true },
    { key: "units", label: "Units per layer", choices: [...Array(17).keys()].slice(1), initial: 4, restart: true },
    {
      key: "activation", label: "Activation", choices: ["tanh", "relu", "sigmoid"], names: ["tanh", "ReLU", "sigmoid"],
      initial: "tanh", restart: true,
    },
    { key: "learningRate", label: "Learning rate", choices: [0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10], initial: 0.1 },
    { key: "batchSize", label: "Batch size", choices: [1, 4, 8, 16, 32, 64, 128], initial: 32 },
    { key: "l2", label: "L2 strength", choices: [0, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1], initial: 0 },
  ];

  // How to read the hidden units' pictures, which drawUnits() colours by each activation's range.
  const UNIT_LEGEND = {
    tanh: "red near +1, blue near −1",
    sigmoid: "red near 1, blue near 0",
    relu: "red where the unit is active, plain where it outputs 0",
  };

  let nextId = 0; // makes the ids of each playground's controls unique on the page

  /** Create an element: el("p", { class: "x" }, "text", child, ...). */
  function el(tag, attributes = {}, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
    node.append(...children);
    return node;
  }

  /** "#rrggbb" (the form the stylesheet uses for the playground's colours) to [r, g, b]. */
  function parseHex(text) {
    const hex = text.trim().replace("#", "");
    return [0, 2, 4].map((i) => parseInt(hex.slice(i, i + 2), 16));
  }

  /** The colour a fraction t (0..1) of the way from `from` to `to`, both [r, g, b]. */
  function mix(from, to, t) {
    return from.map((c, i) => Math.round(c + (to[i] - c) * t));
  }

  /** RAMP_STEPS + 1 colours from `from` to `to`, for shade(). */
  function ramp(from, to) {
    return Array.from({ length: RAMP_STEPS + 1 }, (_, i) => mix(from, to, i / RAMP_STEPS));
  }

  /** The colour of a ramp at t, clipped to [0, 1]; NaN (from a diverged network) gives the ramp's start. */
  function shade(colours, t) {
    return colours[Math.round((t >= 0 ? Math.min(t, 1) : 0) * RAMP_STEPS)];
  }

  class Playground {
    constructor(container) {
      this.container = container;
      this.id = `nnp${nextId++}`;
      this.settings = this.readInitialSettings(container.dataset);
      this.playing = false;
      this.frameRequest = null;
      this.buildPage();
      this.readPalette();
      this.watchTheme();
      this.reset();
    }

    /** Starting settings from the container's data-* attributes; a value not offered is ignored. */
    readInitialSettings(data) {
      const settings = { seed: 0 };
      for (const { key, choices, initial } of SETTINGS) {
        const given = data[key];
        const match = choices.find((choice) => String(choice) === given);
        if (given !== undefined && match === undefined) {
          console.warn(`nn-playground: data-${key} must be one of ${choices.join(", ")}; got "${given}". ` +
            `Using ${initial}.`);
        }
        settings[key] = match === undefined ? initial : match;
      }
      const seed = Number(data.seed ?? 0);
      settings.seed = Number.isInteger(seed) && seed >= 0 ? seed : 0;
      return settings;
    }

    // -------------------------------------------------------------- the page

    buildPage() {
      const controls = el("form", { class: "nnp-controls", "aria-label": "Playground settings" });
      controls.addEventListener("submit", (event) => event.preventDefault());
      for (const setting of SETTINGS) {
        const id = `${this.id}-${setting.key}`;
        const select = el("select", { id });
        setting.choices.forEach((choice, i) => {
          const name = setting.names ? setting.names[i] : String(choice);
          const option = el("option", { value: String(choice) }, name);
          option.selected = choice === this.settings[setting.key];
          select.append(option);
        });
        select.addEventListener("change", () => {
          this.settings[setting.key] = setting.choices[select.selectedIndex];
          this.settingChanged(setting.restart);
        });
        controls.append(el("div", { class: "nnp-field" }, el("label", { for: id }, setting.label), select));
      }
      const seed = el("input", {
        id: `${this.id}-seed`, type: "number", min: "0", step: "1", inputmode: "numeric", value: String(this.settings.seed),
      });
      seed.addEventListener("change", () => {
        const value = Number(seed.value);
        this.settings.seed = Number.isInteger(value) && value >= 0 ? value : 0;
        seed.value = String(this.settings.seed);
        this.settingChanged(true);
      });
      controls.append(el("div", { class: "nnp-field" }, el("label", { for: seed.id }, "Seed"), seed));

      this.playButton = el("button", { type: "button", class: "nnp-play" }, "Play");
      const stepButton = el("button", { type: "button", class: "nnp-step", title: "Train one epoch" }, "Step");
      const resetButton = el("button", { type: "button", class: "nnp-reset", title: "Back to this seed's initial weights" },
        "Reset");
      this.playButton.addEventListener("click", () => (this.playing ? this.pause() : this.play()));
      stepButton.addEventListener("click", () => this.step());
      resetButton.addEventListener("click", () => this.reset());
      controls.append(el("div", { class: "nnp-buttons" }, this.playButton, stepButton, resetButton));

      this.status = el("p", { class: "nnp-status" });
      this.alert = el("p", { class: "nnp-alert", role: "alert" });
      this.boundaryCanvas = el("canvas", { class: "nnp-boundary", width: "400", height: "400", role: "img" });
      this.lossCanvas = el("canvas", { class: "nnp-loss", width: "400", height: "240", role: "img" });
      const views = el("div", { class: "nnp-views" },
        el("figure", {}, this.boundaryCanvas, el("figcaption", {},
          "Decision boundary: each point of the plane coloured by the predicted class, stronger where the " +
          "network is surer; dots are the training data.")),
        el("figure", {}, this.lossCanvas, el("figcaption", {},
          "Training loss per epoch, log scale. With L2 it includes l2 · ΣW², as Keras's L2 regulariser adds " +
          "it. Dashed: ln C, the loss of guessing.")));
      this.units = el("div", { class: "nnp-units" });
      this.container.replaceChildren(controls, this.status, this.alert, views, this.units);
    }

    /** One small canvas per hidden unit, grouped by layer (rebuilt for each new network). */
    buildUnitCanvases() {
      this.unitCanvases = [];
      const groups = this.hidden.map((units, layer) => {
        const canvases = Array.from({ length: units }, (_, unit) => el("canvas", {
          width: String(2 * GRID), height: String(2 * GRID), role: "img",
          "aria-label": `hidden layer ${layer + 1}, unit ${unit}`,
        }));
        this.unitCanvases.push(canvases);
        const legend = UNIT_LEGEND[this.settings.activation];
        return el("figure", { class: "nnp-layer" },
          el("figcaption", {}, `Hidden layer ${layer + 1}: each unit's activation over the plane (${legend})`),
          el("div", { class: "nnp-unit-grid" }, ...canvases));
      });
      if (!groups.length) {
        groups.push(el("p", {}, "No hidden layer: a linear classifier, whose boundaries are straight lines."));
      }
      this.units.replaceChildren(...groups);
    }

    // -------------------------------------------------------------- training

    get hidden() {
      return new Array(this.settings.hiddenLayers).fill(this.settings.units);
    }

    settingChanged(restart) {
      if (restart) {
        this.reset();
        return;
      }
      const { learningRate, batchSize, l2 } = this.settings;
      Object.assign(this.trainer, { learningRate, batchSize, l2 });
    }

    /** A new network with the current settings (and the data set, if it changed); keeps playing if it was. */
    reset() {
      const { dataset, activation, seed, learningRate, batchSize, l2 } = this.settings;
      if (!this.data || this.data.name !== dataset) {
        this.data = { name: dataset, ...nn.loadDataset(dataset) };
        this.grid = this.makeGrid(this.data.X);
      }
      this.trainer = new nn.Trainer({
        ...this.data, hidden: this.hidden, activation, seed, learningRate, batchSize, l2,
      });
      this.diverged = false;
      this.alert.textContent = "";
      this.buildUnitCanvases();
      this.draw();
    }

    play() {
      if (this.diverged) this.reset();
      this.playing = true;
      this.playButton.textContent = "Pause";
      this.frameRequest = requestAnimationFrame(() => this.frame());
    }

    pause() {
      this.playing = false;
      this.playButton.textContent = "Play";
      cancelAnimationFrame(this.frameRequest);
    }

    step() {
      if (this.playing) this.pause();
      if (this.diverged) this.reset();
      this.train(() => this.trainer.trainEpoch());
      this.draw();
    }

    frame() {
      if (!this.playing) return;
      this.train(() => {
        for (let i = 0; i < STEPS_PER_FRAME; i++) this.trainer.trainBatch();
      });
      this.draw();
      if (this.playing) this.frameRequest = requestAnimationFrame(() => this.frame());
    }

    /** Run some training; a diverging run stops the playground with a message instead of an error. */
    train(work) {
      try {
        work();
      } catch (error) {
        if (!(error instanceof nn.TrainingDivergedError)) throw error;
        this.diverged = true;
        this.pause();
        this.alert.textContent = `Training stopped: ${error.message}`;
      }
    }

    // -------------------------------------------------------------- drawing

    /**
     * The points at which the plane is drawn: a GRID x GRID raster, top row first (GRID^2, 2), and
     * toCanvas(x1, x2, canvas), which places a point of the plane on a canvas (x2 grows upwards).
     */
    makeGrid(X) {
      const [[x1Low, x1High], [x2Low, x2High]] = [0, 1].map((d) => {
        const values = X.map((row) => row[d]);
        return [Math.min(...values) - PADDING, Math.max(...values) + PADDING];
      });
      const points = [];
      for (let row = 0; row < GRID; row++) {
        for (let col = 0; col < GRID; col++) {
          const x1 = x1Low + ((col + 0.5) / GRID) * (x1High - x1Low);
          points.push([x1, x2High - ((row + 0.5) / GRID) * (x2High - x2Low)]); // top row: largest x2
        }
      }
      const toCanvas = (x1, x2, canvas) => [
        ((x1 - x1Low) / (x1High - x1Low)) * canvas.width,
        ((x2High - x2) / (x2High - x2Low)) * canvas.height,
      ];
      return { points, toCanvas };
    }

    /** Read the colours from the stylesheet, which has a set for light and one for dark mode. */
    readPalette() {
      const style = getComputedStyle(this.container);
      const read = (name) => parseHex(style.getPropertyValue(`--nnp-${name}`));
      const background = read("bg");
      const classes = [0, 1, 2].map((c) => read(`class-${c}`));
      const css = (name) => style.getPropertyValue(`--nnp-${name}`).trim();
      this.palette = {
        background, classes, text: css("fg"), muted: css("muted"), edge: css("point-edge"),
        // the boundary: a faint tint of the class where the network hesitates, a strong one where it is sure
        classRamps: classes.map((colour) => ramp(mix(background, colour, 0.12), mix(background, colour, 0.57))),
        positiveRamp: ramp(background, read("positive")), negativeRamp: ramp(background, read("negative")),
      };
    }

    /** Redraw in the new colours when the book's theme (data-theme on <html>) changes. */
    watchTheme() {
      new MutationObserver(() => {
        this.readPalette();
        this.draw();
      }).observe(document.documentElement, { attributes: true, attributeFilter: ["data-theme"] });
    }

    draw() {
      const { history, epoch } = this.trainer;
      const last = history.loss.length - 1;
      this.status.textContent = last < 0
        ? `Epoch 0 · ${this.data.X.length} points, ${this.data.nClasses} classes · press Play or Step`
        : `Epoch ${epoch} · loss ${history.loss[last].toFixed(4)} · ` +
          `training accuracy ${(100 * history.accuracy[last]).toFixed(1)} %`;
      const { A, probs } = nn.forward(this.trainer.net, this.grid.points);
      this.drawBoundary(probs);
      this.drawLoss();
      this.drawUnits(A.slice(1, -1));
    }

    /** Paint a GRID x GRID raster given a colour [r, g, b] per grid point, scaled smoothly onto `canvas`. */
    paintRaster(canvas, colourAt) {
      if (!this.raster) {
        this.raster = el("canvas", { width: String(GRID), height: String(GRID) });
        this.rasterImage = this.raster.getContext("2d").createImageData(GRID, GRID);
      }
      const pixels = this.rasterImage.data; // r, g, b, alpha of each grid point in turn
      for (let p = 0; p < GRID * GRID; p++) {
        const [r, g, b] = colourAt(p);
        pixels[4 * p] = r;
        pixels[4 * p + 1] = g;
        pixels[4 * p + 2] = b;
        pixels[4 * p + 3] = 255;
      }
      this.raster.getContext("2d").putImageData(this.rasterImage, 0, 0);
      const target = canvas.getContext("2d");
      target.imageSmoothingEnabled = true;
      target.drawImage(this.raster, 0, 0, canvas.width, canvas.height);
    }

    drawBoundary(probs) {
      const { classes, classRamps, edge } = this.palette;
      const C = this.data.nClasses;
      this.paintRaster(this.boundaryCanvas, (p) => {
        const c = nn.argmax(probs[p]);
        const sureness = (probs[p][c] - 1 / C) / (1 - 1 / C); // 0 at a tie, 1 when certain
        return shade(classRamps[c], sureness);
      });
      const canvas = this.boundaryCanvas;
      const context = canvas.getContext("2d");
      context.lineWidth = 1;
      context.strokeStyle = edge;
      this.data.X.forEach(([x1, x2], n) => {
        context.beginPath();
        context.arc(...this.grid.toCanvas(x1, x2, canvas), 4.5, 0, 2 * Math.PI);
        context.fillStyle = `rgb(${classes[this.data.y[n]].join(",")})`;
        context.fill();
        context.stroke();
      });
      canvas.setAttribute("aria-label",
        `Decision boundary of the network on the ${this.data.name} data set after ${this.trainer.epoch} epochs`);
    }

    drawLoss() {
      const canvas = this.lossCanvas;
      const context = canvas.getContext("2d");
      const { loss } = this.trainer.history;
      const { text, muted, background } = this.palette;
      const guess = Math.log(this.data.nClasses); // ln C: the loss of a network that guesses uniformly
      const [left, right, top, bottom] = [56, canvas.width - 12, 14, canvas.height - 30];
      context.fillStyle = `rgb(${background.join(",")})`;
      context.fillRect(0, 0, canvas.width, canvas.height);
      context.font = "14px system-ui, sans-serif";
      context.fillStyle = text;
      context.strokeStyle = muted;
      context.strokeRect(left, top, right - left, bottom - top);
      const finite = loss.filter((v) => v > 0 && Number.isFinite(v));
      const low = Math.log10(Math.min(guess, ...finite) * 0.9);
      const high = Math.log10(Math.max(guess, ...finite) * 1.1);
      const yOf = (value) => bottom - ((Math.log10(value) - low) / (high - low)) * (bottom - top);
      const xOf = (epoch) => left + (epoch / Math.max(loss.length, 10)) * (right - left);
      context.textAlign = "right";
      context.fillText(Math.pow(10, high).toPrecision(2), left - 6, top + 10);
      context.fillText(Math.pow(10, low).toPrecision(2), left - 6, bottom);
      context.textAlign = "center";
      context.fillText(`epoch ${loss.length}`, (left + right) / 2, canvas.height - 8);
      context.setLineDash([5, 4]);
      context.beginPath();
      context.moveTo(left, yOf(guess));
      context.lineTo(right, yOf(guess));
      context.stroke();
      context.setLineDash([]);
      context.strokeStyle = `rgb(${this.palette.classes[0].join(",")})`;
      context.lineWidth = 2;
      context.beginPath();
      loss.forEach((value, i) => context[i ? "lineTo" : "moveTo"](xOf(i + 1), yOf(value)));
      context.stroke();
      context.lineWidth = 1;
      const lastLoss = loss.length ? loss[loss.length - 1].toFixed(4) : "not measured yet";
      canvas.setAttribute("aria-label", `Training loss per epoch; after ${loss.length} epochs it is ${lastLoss}`);
    }

    /** Each hidden unit's activation over the plane: red above the activation's midpoint, blue below. */
    drawUnits(hiddenActivations) {
      const { positiveRamp, negativeRamp } = this.palette;
      const activation = this.settings.activation;
      hiddenActivations.forEach((H, layer) => {
        this.unitCanvases[layer].forEach((canvas, unit) => {
          // tanh lies in [-1, 1] and sigmoid in [0, 1]; ReLU has no upper end: scale by the unit's largest value.
          const centre = activation === "sigmoid" ? 0.5 : 0;
          let scale = activation === "sigmoid" ? 0.5 : 1;
          if (activation === "relu") scale = H.reduce((largest, row) => Math.max(largest, row[unit]), 1e-12);
          this.paintRaster(canvas, (p) => {
            const t = (H[p][unit] - centre) / scale; // in [-1, 1]
            return t >= 0 ? shade(positiveRamp, t) : shade(negativeRamp, -t);
          });
        });
      });
    }
  }

  /** Turn every not yet mounted .nn-playground element of the page into a playground. */
  function mountAll() {
    for (const container of document.querySelectorAll(".nn-playground:not([data-nnp-mounted])")) {
      container.setAttribute("data-nnp-mounted", "");
      global.nnPlayground.instances.push(new Playground(container));
    }
  }

  global.nnPlayground.SETTINGS = SETTINGS;
  global.nnPlayground.Playground = Playground;
  global.nnPlayground.instances = [];
  global.nnPlayground.mountAll = mountAll;
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", mountAll);
  else mountAll();
})(window);
