import { useEffect, useMemo, useRef, useState, type PointerEvent, type WheelEvent } from 'react';
import { PointRenderer, scaleOf, type View } from './point-renderer.js';
import { PointIndex, pointsInPolygon } from './point-index.js';

interface Props {
  /** x, y pairs in [-1, 1]. */
  xy: Float32Array;
  colors: Uint8Array;
  sizes: Float32Array;
  selected: Uint8Array;
  /** A marker (a placed query vector), in data coordinates. */
  marker: [number, number] | null;
  onHover(index: number | null): void;
  onLasso(indices: number[]): void;
  onClick(index: number | null): void;
}

const HIT_PX = 6;

/**
 * The map's canvas: WebGL points (PointRenderer) under a 2-D overlay for the lasso and the marker.
 * Drag pans, the wheel zooms about the cursor, Shift + drag lassoes, a click picks a point.
 */
export function MapCanvas({ xy, colors, sizes, selected, marker, onHover, onLasso, onClick }: Props) {
  const glRef = useRef<HTMLCanvasElement | null>(null);
  const overlayRef = useRef<HTMLCanvasElement | null>(null);
  const renderer = useRef<PointRenderer | null>(null);
  const [view, setView] = useState<View>({ zoom: 1.05, cx: 0, cy: 0 });
  const [error, setError] = useState<string | null>(null);
  const drag = useRef<{ mode: 'pan' | 'lasso'; x: number; y: number; moved: boolean; path: [number, number][] } | null>(null);
  // The last lasso stays drawn (dashed) with the selection it made, until the next click or lasso.
  const lastLasso = useRef<[number, number][] | null>(null);
  const index = useMemo(() => new PointIndex(xy), [xy]);
  // Other points (another layout, or a reload): the old lasso no longer encloses its selection.
  useEffect(() => {
    lastLasso.current = null;
  }, [xy]);

  useEffect(() => {
    try {
      renderer.current = new PointRenderer(glRef.current!);
    } catch (err) {
      setError((err as Error).message);
    }
    return () => renderer.current?.destroy();
  }, []);
  useEffect(() => renderer.current?.setPoints(xy), [xy]);
  useEffect(() => renderer.current?.setColors(colors), [colors]);
  useEffect(() => renderer.current?.setSizes(sizes), [sizes]);
  useEffect(() => renderer.current?.setSelected(selected), [selected]);
  useEffect(() => {
    let frame = requestAnimationFrame(function draw() {
      renderer.current?.draw(view);
      drawOverlay();
      frame = 0;
    });
    return () => cancelAnimationFrame(frame);
  });
  useEffect(() => {
    const onResize = () => setView((v) => ({ ...v }));
    window.addEventListener('resize', onResize);
    return () => window.removeEventListener('resize', onResize);
  }, []);

  /** CSS pixel position → data coordinates. */
  const toData = (px: number, py: number): [number, number] => {
    const c = glRef.current!;
    const [sx, sy] = scaleOf(view, c.clientWidth, c.clientHeight);
    const clipX = (px / c.clientWidth) * 2 - 1;
    const clipY = 1 - (py / c.clientHeight) * 2;
    return [view.cx + clipX / sx, view.cy + clipY / sy];
  };
  const toPixel = (x: number, y: number): [number, number] => {
    const c = glRef.current!;
    const [sx, sy] = scaleOf(view, c.clientWidth, c.clientHeight);
    return [(((x - view.cx) * sx + 1) / 2) * c.clientWidth, ((1 - (y - view.cy) * sy) / 2) * c.clientHeight];
  };
  const dataPerPixel = () => {
    const c = glRef.current!;
    return (2 * view.zoom) / Math.min(c.clientWidth, c.clientHeight);
  };

  function drawOverlay() {
    const o = overlayRef.current;
    if (!o) return;
    const ratio = window.devicePixelRatio || 1;
    [o.width, o.height] = [Math.round(o.clientWidth * ratio), Math.round(o.clientHeight * ratio)];
    const g = o.getContext('2d')!;
    g.setTransform(ratio, 0, 0, ratio, 0, 0);
    g.clearRect(0, 0, o.clientWidth, o.clientHeight);
    const live = drag.current?.mode === 'lasso' ? drag.current.path : null;
    const path = live ?? lastLasso.current;
    g.setLineDash(live ? [] : [6, 4]);
    if (path && path.length > 1) {
      g.strokeStyle = 'rgba(230, 80, 20, 0.9)';
      g.fillStyle = 'rgba(230, 80, 20, 0.08)';
      g.lineWidth = 2;
      g.beginPath();
      path.forEach(([x, y], i) => (i === 0 ? g.moveTo(...toPixel(x, y)) : g.lineTo(...toPixel(x, y))));
      g.closePath();
      g.fill();
      g.stroke();
    }
    if (marker) {
      const [mx, my] = toPixel(...marker);
      g.strokeStyle = 'rgba(220, 20, 20, 1)';
      g.lineWidth = 2;
      g.strokeRect(mx - 7, my - 7, 14, 14);
    }
  }

  const local = (e: PointerEvent | WheelEvent): [number, number] => {
    const r = glRef.current!.getBoundingClientRect();
    return [e.clientX - r.left, e.clientY - r.top];
  };
  const onPointerDown = (e: PointerEvent) => {
    const [px, py] = local(e);
    (e.target as HTMLElement).setPointerCapture(e.pointerId);
    drag.current = { mode: e.shiftKey ? 'lasso' : 'pan', x: px, y: py, moved: false, path: e.shiftKey ? [toData(px, py)] : [] };
  };
  const onPointerMove = (e: PointerEvent) => {
    const [px, py] = local(e);
    const d = drag.current;
    if (!d) {
      onHover(index.nearest(...toData(px, py), HIT_PX * dataPerPixel()));
      return;
    }
    if (Math.abs(px - d.x) + Math.abs(py - d.y) > 3) d.moved = true;
    if (d.mode === 'lasso') {
      d.path.push(toData(px, py));
      drawOverlay();
    } else if (d.moved) {
      const [ax, ay] = toData(d.x, d.y);
      const [bx, by] = toData(px, py);
      d.x = px;
      d.y = py;
      setView((v) => ({ ...v, cx: v.cx - (bx - ax), cy: v.cy - (by - ay) }));
    }
  };
  const onPointerUp = (e: PointerEvent) => {
    const d = drag.current;
    drag.current = null;
    if (!d) return;
    if (d.mode === 'lasso' && d.path.length > 2) {
      lastLasso.current = d.path;
      onLasso(pointsInPolygon(xy, d.path));
    } else if (!d.moved) {
      lastLasso.current = null;
      onClick(index.nearest(...toData(...local(e)), HIT_PX * dataPerPixel()));
    }
    drawOverlay();
  };
  const onWheel = (e: WheelEvent) => {
    const [x, y] = toData(...local(e));
    const f = Math.exp(e.deltaY * 0.001);
    setView((v) => ({ zoom: v.zoom * f, cx: x - (x - v.cx) * f, cy: y - (y - v.cy) * f }));
  };

  if (error) return <div className="inline-error">{error}</div>;
  return (
    <div className="map-canvas-box">
      <canvas ref={glRef} className="map-canvas" data-testid="map-canvas" />
      <canvas
        ref={overlayRef}
        className="map-canvas map-overlay"
        onPointerDown={onPointerDown}
        onPointerMove={onPointerMove}
        onPointerUp={onPointerUp}
        onPointerLeave={() => onHover(null)}
        onWheel={onWheel}
        data-testid="map-overlay"
      />
    </div>
  );
}
