import CSDL2
import LikenessMedia

// MARK: - The wall label

extension DisplayWindow {
    /// Draws `frame` in the portrait's part of the window and `label` beside or under it
    /// (``WallLabel/layout(width:height:)``), then the overlay; call `present()` to show it.
    public func draw(_ frame: Frame, label: WallLabel, overlay: [String]? = nil, caption: String? = nil) throws(DisplayError) {
        let size = outputSize
        let (area, box) = WallLabel.layout(width: size.width, height: size.height)
        try drawPortrait(frame, in: area)
        drawLabel(label, in: box)
        // The label carries the credits: no caption across it.
        _ = caption
        if let overlay, !overlay.isEmpty { drawOverlay(overlay) }
    }

    private func drawLabel(_ label: WallLabel, in box: (x: Int, y: Int, width: Int, height: Int)) {
        let ink = (r: UInt8(32), g: UInt8(30), b: UInt8(28))
        SDL_SetRenderDrawColor(renderer, 242, 238, 228, 255)  // the card
        var card = SDL_Rect(x: Int32(box.x), y: Int32(box.y), w: Int32(box.width), h: Int32(box.height))
        SDL_RenderFillRect(renderer, &card)
        let short = min(box.width, box.height)
        let margin = max(8, short / 16)
        // A label under the portrait is a wide strip: the QR code goes to its right and the works stand side
        // by side; beside the portrait the label is a column: works one under the other, the QR code last.
        let wide = box.width >= box.height * 2
        let qrSide = label.qr.map { q in
            max((q.size + 8) * 2, min((box.width - 2 * margin) / 2, box.height / (wide ? 2 : 4)) / (q.size + 8) * (q.size + 8))
        } ?? 0
        let innerWidth = box.width - 2 * margin - (wide && qrSide > 0 ? qrSide + margin : 0)
        // Text scale: at least 3 font pixels per glyph pixel (21 px capitals: ~6 mm on a 24" 1080p screen, 1 cm on a 40").
        let textScale = max(2, min(innerWidth / (BitmapFont.cellWidth * 30), box.height / (wide ? 80 : 190)))
        let titleScale = textScale * 2
        let lineHeight = BitmapFont.cellHeight * textScale
        var y = box.y + margin
        let x = box.x + margin
        // Title and collection.
        for line in WallLabel.wrap(WallLabel.printable(label.title), columns: max(1, innerWidth / (BitmapFont.cellWidth * titleScale))) {
            drawInk(line, x: x, y: y, scale: titleScale, color: ink)
            y += BitmapFont.cellHeight * titleScale
        }
        y += lineHeight / 2
        for line in WallLabel.wrap(WallLabel.printable(label.collection), columns: max(1, innerWidth / (BitmapFont.cellWidth * textScale))) {
            drawInk(line, x: x, y: y, scale: textScale, color: ink)
            y += lineHeight
        }
        // Thumbnails with their credits, as large as the room left allows.
        uploadThumbnails(label)
        if !label.works.isEmpty, !label.worksHeading.isEmpty {
            y += lineHeight / 2
            drawInk(WallLabel.printable(label.worksHeading), x: x, y: y, scale: textScale, color: (110, 100, 90))
            y += lineHeight + lineHeight / 3
        }
        let bottom = box.y + box.height - margin - (wide || label.qr == nil ? 0 : qrSide + lineHeight)
        let count = max(1, label.works.count)
        let gap = lineHeight / 2
        let columnWidth = wide ? (innerWidth - (count - 1) * margin) / count : innerWidth
        // Each work is a thumbnail and its credit beside it: one row each in a column, one column each in a strip.
        let thumbSide = wide ? max(0, min(bottom - y, columnWidth * 2 / 5))
                             : max(0, min(innerWidth * 2 / 5, (bottom - y - count * gap) / count))
        if thumbSide >= lineHeight {
            let creditColumns = max(1, (columnWidth - thumbSide - margin / 2) / (BitmapFont.cellWidth * textScale))
            for (i, work) in label.works.enumerated() {
                let wx = wide ? x + i * (columnWidth + margin) : x
                let wy = wide ? y : y + i * (thumbSide + gap)
                if let texture = labelTextures?.textures[i] {
                    var rect = SDL_Rect(x: Int32(wx), y: Int32(wy), w: Int32(thumbSide), h: Int32(thumbSide))
                    SDL_RenderCopy(renderer, texture, nil, &rect)
                }
                var ty = wy
                // The credit in ink, the object line after it in grey.
                let lines = work.lines.enumerated().flatMap { n, text in
                    WallLabel.wrap(WallLabel.printable(text), columns: creditColumns).map { (line: $0, first: n == 0) }
                }
                for entry in lines.prefix(max(1, thumbSide / lineHeight)) {
                    drawInk(entry.line, x: wx + thumbSide + margin / 2, y: ty, scale: textScale, color: entry.first ? ink : (90, 84, 78))
                    ty += lineHeight
                }
            }
        }
        // The QR code: dark modules on white with a 4-module quiet zone; bottom left in a column, at the right
        // of a strip, its caption beside (column) or under it (strip).
        if let qr = label.qr {
            let module = qrSide / (qr.size + 8)
            let side = module * (qr.size + 8)
            let qx = wide ? box.x + box.width - margin - side : x
            let qy = wide ? box.y + margin : box.y + box.height - margin - side
            SDL_SetRenderDrawColor(renderer, 255, 255, 255, 255)
            var quiet = SDL_Rect(x: Int32(qx), y: Int32(qy), w: Int32(side), h: Int32(side))
            SDL_RenderFillRect(renderer, &quiet)
            SDL_SetRenderDrawColor(renderer, 0, 0, 0, 255)
            var rects: [SDL_Rect] = []
            for my in 0..<qr.size { for mx in 0..<qr.size where qr.isDark(x: mx, y: my) {
                rects.append(SDL_Rect(x: Int32(qx + (mx + 4) * module), y: Int32(qy + (my + 4) * module), w: Int32(module), h: Int32(module)))
            } }
            rects.withUnsafeBufferPointer { _ = SDL_RenderFillRects(renderer, $0.baseAddress, Int32($0.count)) }
            let captionX = wide ? qx : qx + side + margin / 2
            let captionWidth = wide ? side : box.x + box.width - margin - captionX
            let columns = max(1, captionWidth / (BitmapFont.cellWidth * textScale))
            var cy = wide ? qy + side + lineHeight / 3 : qy + (side - 2 * lineHeight) / 2
            for line in WallLabel.wrap(WallLabel.printable(label.qrCaption), columns: columns).prefix(4) {
                guard cy + lineHeight <= box.y + box.height else { break }
                drawInk(line, x: captionX, y: cy, scale: textScale, color: (90, 84, 78))
                cy += lineHeight
            }
        }
    }

    private func uploadThumbnails(_ label: WallLabel) {
        if let known = labelTextures, known.id == label.id { return }
        for t in labelTextures?.textures ?? [] { if let t { SDL_DestroyTexture(t) } }
        let textures: [OpaquePointer?] = label.works.map { work in
            guard let frame = work.thumbnail,
                  let texture = SDL_CreateTexture(renderer, SDL_PIXELFORMAT_RGB24.rawValue, Int32(SDL_TEXTUREACCESS_STATIC.rawValue),
                                                  Int32(frame.width), Int32(frame.height)) else { return nil }
            SDL_SetTextureScaleMode(texture, SDL_ScaleModeLinear)
            _ = frame.pixels.withUnsafeBytes { SDL_UpdateTexture(texture, nil, $0.baseAddress, Int32(frame.rowStride)) }
            return texture
        }
        labelTextures = (label.id, textures)
    }

    private func drawInk(_ text: String, x: Int, y: Int, scale: Int, color: (UInt8, UInt8, UInt8)) {
        SDL_SetRenderDrawColor(renderer, color.0, color.1, color.2, 255)
        let rects = BitmapFont.litPixels(of: text).map {
            SDL_Rect(x: Int32(x + $0.x * scale), y: Int32(y + $0.y * scale), w: Int32(scale), h: Int32(scale))
        }
        rects.withUnsafeBufferPointer { _ = SDL_RenderFillRects(renderer, $0.baseAddress, Int32($0.count)) }
    }
}
