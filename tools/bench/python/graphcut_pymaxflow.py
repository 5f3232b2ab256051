"""The Python peer of `objsel graphcut` (tools/bench/cli-startup.mjs runs both side by side).

What a PyMaxflow user writes for the same energy as @objsel/clicks' graphCut (4-connected):
unaries -ln(max(p, 1e-6)) / -ln(max(1 - p, 1e-6)), pair weights
lambda * exp(-|I_i - I_j|^2 / (2 sigma^2)) with sigma the RMS neighbour colour difference;
reads the image (PIL) and the foreground probabilities (.npy [H, W]), writes a 0/255 PNG.

    python graphcut_pymaxflow.py IMAGE PROBS.npy OUT.png LAMBDA
"""
import sys

import maxflow
import numpy as np
from PIL import Image


def main(image_path, probs_path, out_path, lam):
    lam = float(lam)
    image = np.asarray(Image.open(image_path).convert("RGB")).astype(np.float64)
    p = np.load(probs_path).astype(np.float64)  # [H, W]
    right = ((image[:, 1:] - image[:, :-1]) ** 2).sum(axis=2)
    down = ((image[1:, :] - image[:-1, :]) ** 2).sum(axis=2)
    mean = (right.sum() + down.sum()) / (right.size + down.size)
    beta = 1 / (2 * mean) if mean > 0 else 0.5
    g = maxflow.Graph[float]()
    nodes = g.add_grid_nodes(p.shape)
    w_right = np.zeros(p.shape)
    w_right[:, :-1] = lam * np.exp(-beta * right)
    w_down = np.zeros(p.shape)
    w_down[:-1, :] = lam * np.exp(-beta * down)
    g.add_grid_edges(nodes, weights=w_right, structure=np.array([[0, 0, 0], [0, 0, 1], [0, 0, 0]]), symmetric=True)
    g.add_grid_edges(nodes, weights=w_down, structure=np.array([[0, 0, 0], [0, 0, 0], [0, 1, 0]]), symmetric=True)
    u1 = -np.log(np.maximum(p, 1e-6))  # cost of foreground
    u0 = -np.log(np.maximum(1 - p, 1e-6))  # cost of background
    # Source = foreground: a node cut from the source (background) pays the source capacity.
    g.add_grid_tedges(nodes, u0, u1)
    g.maxflow()
    foreground = ~g.get_grid_segments(nodes)
    Image.fromarray(foreground.astype(np.uint8) * 255, mode="L").save(out_path)


if __name__ == "__main__":
    main(*sys.argv[1:5])
