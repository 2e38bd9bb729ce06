import Foundation

// MARK: - Where

/// Where on constants (shape arithmetic); folded.
enum Where: OperatorDefinition {
    static let opTypes = ["Where"]

    static func evaluate(_ node: Node, _ inputs: [Tensor?]) throws(EngineError) -> [Tensor] {
        let c = try node.required(inputs, 0), x = try node.required(inputs, 1), y = try node.required(inputs, 2)
        let shape = try ShapeMath.broadcast(try ShapeMath.broadcast(c.shape, x.shape, node: node), y.shape, node: node)
        let sc = ShapeMath.broadcastStrides(c.shape, to: shape)
        let sx = ShapeMath.broadcastStrides(x.shape, to: shape), sy = ShapeMath.broadcastStrides(y.shape, to: shape)
        let cond = c.ints
        let xy = Reference.broadcastOffsets(shape, sx, sy)
        let cs = Reference.broadcastOffsets(shape, sc, sc)
        if x.isInteger && y.isInteger {
            let vx = x.ints, vy = y.ints
            return [Tensor(shape: shape, ints: (0..<xy.count).map { cond[cs[$0].0] != 0 ? vx[xy[$0].0] : vy[xy[$0].1] })]
        }
        let vx = x.floats, vy = y.floats
        return [Tensor(shape: shape, floats: (0..<xy.count).map { cond[cs[$0].0] != 0 ? vx[xy[$0].0] : vy[xy[$0].1] })]
    }

    static func lower(_ node: Node, _ lowering: inout Planner) throws(EngineError) {
        throw .unsupportedOperator(op: "Where on a latent-dependent value", node: node.label, supported: OperatorRegistry.opTypes.sorted())
    }
}
